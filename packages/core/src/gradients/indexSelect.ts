import { registerGradient } from '../autograd/registry.js';
import { indexAdd, newZeros } from '../ops/index.js';

/** Rows picked several times accumulate their gradients (scatter-add into zeros) */
registerGradient<{ axis: number }>({
  op: 'indexSelect',
  backward: ([g], { inputs: [, index], attrs: { axis }, inputShapes }) => [indexAdd(newZeros(g, inputShapes[0]), axis, index, g), null],
});
