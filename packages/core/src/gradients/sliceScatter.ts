import { registerGradient } from '../autograd/registry.js';
import { slice, sliceScatter, newZeros } from '../ops/index.js';

/** x gets the gradient outside the window; src gets the window */
registerGradient<{ axis: number; start: number; end: number; step: number }>({
  op: 'sliceScatter',
  saveInputs: false,
  backward: ([g], { attrs: { axis, start, end, step }, inputShapes }) => [
    sliceScatter(g, newZeros(g, inputShapes[1]), axis, start, end, step),
    slice(g, axis, start, end, step),
  ],
});
