import { registerGradient } from '../autograd/registry.js';
import { mul } from '../ops/index.js';

/** d exp(x) = exp(x) = y */
registerGradient({
  op: 'exp',
  saveOutputs: true,
  saveInputs: false,
  backward: ([g], { outputs: [y] }) => [mul(g, y)],
});
