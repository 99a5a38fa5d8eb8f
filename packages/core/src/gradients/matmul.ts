import { registerGradient } from '../autograd/registry.js';
import { matmul2d, sumToShape, type MatmulAttrs } from '../ops/index.js';

/**
 * C = op(A) op(B). dA = dC op(B)ᵀ, or op(B) dCᵀ when A is transposed; dB = op(A)ᵀ dC, or
 * dCᵀ op(A) when B is transposed. Broadcast batch axes are summed back.
 */
registerGradient<MatmulAttrs>({
  op: 'matmul',
  backward: ([g], { inputs: [a, b], attrs: { transA, transB }, inputShapes, needsGrad }) => [
    needsGrad[0] ? sumToShape(transA ? matmul2d(b, g, transB, true) : matmul2d(g, b, false, !transB), inputShapes[0]) : null,
    needsGrad[1] ? sumToShape(transB ? matmul2d(g, a, true, transA) : matmul2d(a, g, !transA, false), inputShapes[1]) : null,
  ],
});
