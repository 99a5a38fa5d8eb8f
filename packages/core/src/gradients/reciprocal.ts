import { registerGradient } from '../autograd/registry.js';
import { mul, neg, square } from '../ops/index.js';

/** d (1/x) = −1/x² = −y² */
registerGradient({
  op: 'reciprocal',
  saveOutputs: true,
  saveInputs: false,
  backward: ([g], { outputs: [y] }) => [mul(g, neg(square(y)))],
});
