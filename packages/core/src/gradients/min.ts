import { registerGradient } from '../autograd/registry.js';
import { cast, div, eq, mul, reshape, sum } from '../ops/index.js';

/** The gradient goes to the elements equal to the min, shared evenly between ties (PyTorch's amin) */
registerGradient<{ axes: number[] }>({
  op: 'min',
  saveOutputs: true,
  backward: ([g], { inputs: [x], outputs: [y], attrs: { axes } }) => {
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const mask = cast(eq(x, reshape(y, kept)), x.dtype);
    return [mul(mask, div(reshape(g, kept), sum(mask, axes, true)))];
  },
});
