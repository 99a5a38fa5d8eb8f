import { registerGradient } from '../autograd/registry.js';
import { quantizedMatmul2d, type QuantizedMatmulAttrs } from '../ops/quantized.js';

/**
 * y = x · op(W) with W quantized and frozen: dx = dy · op(W)ᵀ, the same kernel with the other
 * transpose flag; the weight's buffers get no gradient.
 */
registerGradient<QuantizedMatmulAttrs>({
  op: 'quantizedMatmul',
  saveInputs: false,
  backward: ([g], { attrs: { weight, transposeWeight }, needsGrad }) => [
    needsGrad[0] ? quantizedMatmul2d(g, weight, !transposeWeight) : null,
    ...weight.tensors().map(() => null),
  ],
});
