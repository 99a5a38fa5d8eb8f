import { registerGradient } from '../autograd/registry.js';
import { activationBackward } from '../ops/activation-backward.js';

/** y = x Φ(x); dx = g · f'(x) (one fused kernel where the backend has it; see activationBackward). */
registerGradient({
  op: 'gelu',
  backward: ([g], { inputs: [x] }) => [activationBackward('gelu', x, g)],
});
