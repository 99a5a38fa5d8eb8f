import { registerGradient } from '../autograd/registry.js';
import { softmaxBackward } from '../ops/index.js';

/** Fused backward kernel over the last axis: dx = dy − exp(y) Σ dy */
registerGradient({
  op: 'logSoftmax',
  saveInputs: false,
  saveOutputs: true,
  backward: ([g], { outputs: [y] }) => [softmaxBackward('logSoftmax', y, g)],
});
