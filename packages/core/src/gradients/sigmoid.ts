import { registerGradient } from '../autograd/registry.js';
import { mul, sub } from '../ops/index.js';

/** d σ(x) = y (1 − y) */
registerGradient({
  op: 'sigmoid',
  saveOutputs: true,
  saveInputs: false,
  backward: ([g], { outputs: [y] }) => [mul(g, mul(y, sub(1, y)))],
});
