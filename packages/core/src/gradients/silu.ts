import { registerGradient } from '../autograd/registry.js';
import { activationBackward } from '../ops/activation-backward.js';

/** y = x σ(x); dx = g · f'(x) (one fused kernel where the backend has it; see activationBackward). */
registerGradient({
  op: 'silu',
  backward: ([g], { inputs: [x] }) => [activationBackward('silu', x, g)],
});
