import { registerGradient } from '../autograd/registry.js';
import { indexSelect } from '../ops/index.js';

/** out = x + scatter(source): x gets g, source gets the gathered rows of g */
registerGradient<{ axis: number }>({
  op: 'indexAdd',
  backward: ([g], { inputs: [, index], attrs: { axis } }) => [g, null, indexSelect(g, axis, index)],
});
