import { registerGradient } from '../autograd/registry.js';
import { neg, sumToShape } from '../ops/index.js';

/** d(a − b) = (1, −1), summed over broadcast axes */
registerGradient({
  op: 'sub',
  saveInputs: false,
  backward: ([g], { inputShapes }) => [
    sumToShape(g, inputShapes[0]),
    sumToShape(neg(g), inputShapes[1]),
  ],
});
