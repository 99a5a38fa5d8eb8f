import { registerGradient } from '../autograd/registry.js';
import { cast } from '../ops/index.js';

/** float to float casts pass the gradient back in the input dtype; other inputs get none */
registerGradient({
  op: 'cast',
  saveInputs: false,
  backward: ([g], { inputDTypes }) => [inputDTypes[0] === 'float32' || inputDTypes[0] === 'float64' ? cast(g, inputDTypes[0]) : null],
});
