import { registerGradient } from '../autograd/registry.js';
import { mul, exp, neg, square } from '../ops/index.js';

/** d erf(x) = 2/√π · exp(−x²) */
registerGradient({
  op: 'erf',
  backward: ([g], { inputs: [x] }) => [mul(g, mul(exp(neg(square(x))), 2 / Math.sqrt(Math.PI)))],
});
