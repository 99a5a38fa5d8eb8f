import { registerGradient } from '../autograd/registry.js';
import { reshape } from '../ops/index.js';

/** a reshape moves no values: reshape the gradient back */
registerGradient({
  op: 'reshape',
  saveInputs: false,
  backward: ([g], { inputShapes: [shape] }) => [reshape(g, shape)],
});
