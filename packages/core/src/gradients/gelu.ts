import { registerGradient } from '../autograd/registry.js';
import { add, erf, exp, mul, square } from '../ops/index.js';

/** y = x Φ(x); dy/dx = Φ(x) + x φ(x), Φ(x) = ½ (1 + erf(x/√2)), φ(x) = exp(−x²/2)/√(2π) */
registerGradient({
  op: 'gelu',
  backward: ([g], { inputs: [x] }) => {
    const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
    const pdf = mul(exp(mul(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return [mul(g, add(cdf, mul(x, pdf)))];
  },
});
