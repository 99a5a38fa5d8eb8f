import { registerGradient } from '../autograd/registry.js';
import { mul } from '../ops/index.js';

/** d x² = 2x */
registerGradient({
  op: 'square',
  backward: ([g], { inputs: [x] }) => [mul(g, mul(x, 2))],
});
