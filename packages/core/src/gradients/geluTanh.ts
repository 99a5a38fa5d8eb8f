import { registerGradient } from '../autograd/registry.js';
import { add, mul, square, sub, tanh } from '../ops/index.js';

const C = Math.sqrt(2 / Math.PI);
const K = 0.044715;

/** y = ½ x (1 + tanh(u)), u = c (x + k x³); dy/dx = ½ (1 + t) + ½ x (1 − t²) c (1 + 3k x²) */
registerGradient({
  op: 'geluTanh',
  backward: ([g], { inputs: [x] }) => {
    const x2 = square(x);
    const t = tanh(mul(add(x, mul(mul(x2, x), K)), C));
    const left = mul(add(t, 1), 0.5);
    const right = mul(mul(mul(x, sub(1, square(t))), add(mul(x2, 3 * K), 1)), 0.5 * C);
    return [mul(g, add(left, right))];
  },
});
