import { registerGradient } from '../autograd/registry.js';
import { sumToShape } from '../ops/index.js';

/** d(a + b) = (1, 1), summed over broadcast axes */
registerGradient({
  op: 'add',
  saveInputs: false,
  backward: ([g], { inputShapes }) => [
    sumToShape(g, inputShapes[0]),
    sumToShape(g, inputShapes[1]),
  ],
});
