import { registerGradient } from '../autograd/registry.js';
import { div, mul } from '../ops/index.js';

/** d sqrt(x) = 1 / (2 sqrt(x)) */
registerGradient({
  op: 'sqrt',
  saveOutputs: true,
  saveInputs: false,
  backward: ([g], { outputs: [y] }) => [div(g, mul(y, 2))],
});
