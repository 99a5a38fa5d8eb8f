import { registerGradient } from '../autograd/registry.js';
import { neg, sumToShape } from '../ops/index.js';

/** d(a − b) = (1, −1), summed over broadcast axes */
registerGradient({
  op: 'sub',
  saveInputs: false,
  backward: ([g], { inputShapes, needsGrad }) => [
    needsGrad[0] ? sumToShape(g, inputShapes[0]) : null,
    needsGrad[1] ? sumToShape(neg(g), inputShapes[1]) : null,
  ],
});
