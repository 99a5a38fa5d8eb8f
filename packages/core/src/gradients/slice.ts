import { registerGradient } from '../autograd/registry.js';
import { sliceScatter, newZeros } from '../ops/index.js';

/** the gradient lands in the sliced window of a zero tensor */
registerGradient<{ axis: number; start: number; end: number; step: number }>({
  op: 'slice',
  saveInputs: false,
  backward: ([g], { attrs: { axis, start, end, step }, inputShapes: [shape] }) => [
    sliceScatter(newZeros(g, shape), g, axis, start, end, step),
  ],
});
