import { registerGradient } from '../autograd/registry.js';
import { add, mul, sigmoid, sub } from '../ops/index.js';

/** y = x σ(x); dy/dx = σ(x) (1 + x (1 − σ(x))) */
registerGradient({
  op: 'silu',
  backward: ([g], { inputs: [x] }) => {
    const s = sigmoid(x);
    return [mul(g, mul(s, add(1, mul(x, sub(1, s)))))];
  },
});
