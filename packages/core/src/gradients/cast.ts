import { registerGradient } from '../autograd/registry.js';
import { isFloatingPoint } from '../dtype.js';
import { cast } from '../ops/index.js';

/** float to float casts (half included) pass the gradient back in the input dtype; other inputs get none */
registerGradient({
  op: 'cast',
  saveInputs: false,
  backward: ([g], { inputDTypes }) => [isFloatingPoint(inputDTypes[0]) ? cast(g, inputDTypes[0]) : null],
});
