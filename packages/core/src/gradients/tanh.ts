import { registerGradient } from '../autograd/registry.js';
import { mul, sub, square } from '../ops/index.js';

/** d tanh(x) = 1 − y² */
registerGradient({
  op: 'tanh',
  saveOutputs: true,
  saveInputs: false,
  backward: ([g], { outputs: [y] }) => [mul(g, sub(1, square(y)))],
});
