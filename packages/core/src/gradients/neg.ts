import { registerGradient } from '../autograd/registry.js';
import { neg } from '../ops/index.js';

/** d(−x) = −1 */
registerGradient({
  op: 'neg',
  backward: ([g], _ctx) => [neg(g)],
});
