import { registerGradient } from '../autograd/registry.js';
import { layerNormBackward, type NormAttrs } from '../ops/index.js';

/** Fused backward kernel using the saved mean and rstd; returns dx and, when present, dweight and dbias */
registerGradient<NormAttrs>({
  op: 'layerNorm',
  backward: ([g], { inputs, saved: [mean, rstd], attrs }) => layerNormBackward(inputs, mean, rstd, g, attrs),
});
