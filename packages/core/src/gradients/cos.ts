import { registerGradient } from '../autograd/registry.js';
import { mul, neg, sin } from '../ops/index.js';

/** d cos(x) = −sin(x) */
registerGradient({
  op: 'cos',
  backward: ([g], { inputs: [x] }) => [mul(g, neg(sin(x)))],
});
