import { registerGradient } from '../autograd/registry.js';
import { mul, sumToShape } from '../ops/index.js';

/** d(a b) = (b, a) */
registerGradient({
  op: 'mul',
  backward: ([g], { inputs: [a, b], inputShapes }) => [
    sumToShape(mul(g, b), inputShapes[0]),
    sumToShape(mul(g, a), inputShapes[1]),
  ],
});
