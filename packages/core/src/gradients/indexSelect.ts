import { registerGradient } from '../autograd/registry.js';
import { indexAdd, zeros } from '../ops/index.js';

/** Rows picked several times accumulate their gradients (scatter-add into zeros) */
registerGradient<{ axis: number }>({
  op: 'indexSelect',
  backward: ([g], { inputs: [, index], attrs: { axis }, inputShapes }) => [indexAdd(zeros(inputShapes[0], g.dtype), axis, index, g), null],
});
