import { registerGradient } from '../autograd/registry.js';
import { sumToShape } from '../ops/index.js';

/** d(a + b) = (1, 1), summed over broadcast axes; none for an input that needs no gradient (a frozen bias) */
registerGradient({
  op: 'add',
  saveInputs: false,
  backward: ([g], { inputShapes, needsGrad }) => [
    needsGrad[0] ? sumToShape(g, inputShapes[0]) : null,
    needsGrad[1] ? sumToShape(g, inputShapes[1]) : null,
  ],
});
