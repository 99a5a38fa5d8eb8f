import { registerGradient } from '../autograd/registry.js';
import { div } from '../ops/index.js';

/** d log(x) = 1/x */
registerGradient({
  op: 'log',
  backward: ([g], { inputs: [x] }) => [div(g, x)],
});
