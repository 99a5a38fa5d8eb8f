import { registerGradient } from '../autograd/registry.js';
import { div, mul, neg, square, sumToShape } from '../ops/index.js';

/** d(a / b) = (1/b, −a/b²) */
registerGradient({
  op: 'div',
  backward: ([g], { inputs: [a, b], inputShapes, needsGrad }) => [
    needsGrad[0] ? sumToShape(div(g, b), inputShapes[0]) : null,
    needsGrad[1] ? sumToShape(neg(div(mul(g, a), square(b))), inputShapes[1]) : null,
  ],
});
