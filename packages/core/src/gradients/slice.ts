import { registerGradient } from '../autograd/registry.js';
import { sliceScatter, zeros } from '../ops/index.js';

/** the gradient lands in the sliced window of a zero tensor */
registerGradient<{ axis: number; start: number; end: number; step: number }>({
  op: 'slice',
  saveInputs: false,
  backward: ([g], { attrs: { axis, start, end, step }, inputShapes: [shape] }) => [sliceScatter(zeros(shape, g.dtype), g, axis, start, end, step)],
});
