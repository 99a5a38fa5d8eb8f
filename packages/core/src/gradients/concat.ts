import { registerGradient } from '../autograd/registry.js';
import { slice } from '../ops/index.js';

/** Each input gets its window of the gradient */
registerGradient<{ axis: number; sizes: number[] }>({
  op: 'concat',
  saveInputs: false,
  backward: ([g], { attrs: { axis, sizes } }) => {
    let start = 0;
    return sizes.map((n) => slice(g, axis, start, (start += n)));
  },
});
