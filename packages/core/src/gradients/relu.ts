import { registerGradient } from '../autograd/registry.js';
import { mul, cast, gt } from '../ops/index.js';

/** d relu(x) = 1 where x > 0, else 0 */
registerGradient({
  op: 'relu',
  backward: ([g], { inputs: [x] }) => [mul(g, cast(gt(x, 0), g.dtype))],
});
