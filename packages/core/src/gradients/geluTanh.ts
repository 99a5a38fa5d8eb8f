import { registerGradient } from '../autograd/registry.js';
import { activationBackward } from '../ops/activation-backward.js';

/** y = ½ x (1 + tanh(c (x + k x³))); dx = g · f'(x) (one fused kernel where the backend has it; see activationBackward). */
registerGradient({
  op: 'geluTanh',
  backward: ([g], { inputs: [x] }) => [activationBackward('geluTanh', x, g)],
});
