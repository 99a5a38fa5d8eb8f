import { registerGradient } from '../autograd/registry.js';
import { expand, reshape } from '../ops/index.js';

/** Every summed element gets the gradient of its sum: reshape to keep the axes, then broadcast */
registerGradient<{ axes: number[] }>({
  op: 'sum',
  saveInputs: false,
  backward: ([g], { attrs: { axes }, inputShapes: [shape] }) => [
    expand(
      reshape(
        g,
        shape.map((d, i) => (axes.includes(i) ? 1 : d)),
      ),
      shape,
    ),
  ],
});
