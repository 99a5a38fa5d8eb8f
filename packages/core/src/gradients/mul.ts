import { registerGradient } from '../autograd/registry.js';
import { mul, sumToShape } from '../ops/index.js';

/** d(a b) = (b, a) */
registerGradient({
  op: 'mul',
  backward: ([g], { inputs: [a, b], inputShapes, needsGrad }) => [
    needsGrad[0] ? sumToShape(mul(g, b), inputShapes[0]) : null,
    needsGrad[1] ? sumToShape(mul(g, a), inputShapes[1]) : null,
  ],
});
