import { registerGradient } from '../autograd/registry.js';
import { mul, sign } from '../ops/index.js';

/** d|x| = sign(x) */
registerGradient({
  op: 'abs',
  backward: ([g], { inputs: [x] }) => [mul(g, sign(x))],
});
