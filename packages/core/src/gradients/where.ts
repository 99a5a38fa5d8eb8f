import { registerGradient } from '../autograd/registry.js';
import { sumToShape, where } from '../ops/index.js';

/** where(c, a, b): the gradient flows to a where c holds and to b elsewhere; c gets none */
registerGradient({
  op: 'where',
  backward: ([g], { inputs: [cond], inputShapes, needsGrad }) => [
    null,
    needsGrad[1] ? sumToShape(where(cond, g, 0), inputShapes[1]) : null,
    needsGrad[2] ? sumToShape(where(cond, 0, g), inputShapes[2]) : null,
  ],
});
