import { registerGradient } from '../autograd/registry.js';
import { mul, cos } from '../ops/index.js';

/** d sin(x) = cos(x) */
registerGradient({
  op: 'sin',
  backward: ([g], { inputs: [x] }) => [mul(g, cos(x))],
});
