import { registerGradient } from '../autograd/registry.js';
import { softmaxBackward } from '../ops/index.js';

/** Fused backward kernel over the last axis: dx = y ⊙ (dy − Σ dy ⊙ y) */
registerGradient({
  op: 'softmax',
  saveInputs: false,
  saveOutputs: true,
  backward: ([g], { outputs: [y] }) => [softmaxBackward('softmax', y, g)],
});
