import { registerGradient } from '../autograd/registry.js';
import { rmsNormBackward, type NormAttrs } from '../ops/index.js';

/** Fused backward kernel using the saved rstd; returns dx and, when present, dweight */
registerGradient<NormAttrs>({
  op: 'rmsNorm',
  backward: ([g], { inputs, saved: [rstd], attrs }) => rmsNormBackward(inputs, rstd, g, attrs),
});
