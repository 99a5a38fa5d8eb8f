// Kernel ids of pj_launch, in this order; the N-API layer exports the names so the TypeScript side
// never hard-codes a number.
#pragma once
#include "../args.h"

#define PJ_KERNELS(X)                                                                       \
  X(fill) X(arange) X(copy) X(cast) X(randomUniform) X(randomNormal) X(randomBernoulli)    \
  X(unary) X(binary) X(where) X(reduce) X(argmax) X(matmul) X(gather) X(scatterAdd)         \
  X(quantizedMatmul) X(dequantize)                                                          \
  X(softmax) X(softmaxBackward) X(logSoftmax) X(logSoftmaxBackward) X(layerNorm)            \
  X(layerNormBackward) X(rmsNorm) X(rmsNormBackward) X(crossEntropy) X(crossEntropyBackward)

enum PjKernelId : int {
#define PJ_ID(name) PJ_K_##name,
  PJ_KERNELS(PJ_ID)
#undef PJ_ID
  PJ_KERNEL_COUNT
};

/** Host-side launchers, one a kernel; each returns 0 or an error code (message via pj_set_error). */
#define PJ_DECLARE(name) int pj_launch_##name(const PjArgs& a);
PJ_KERNELS(PJ_DECLARE)
#undef PJ_DECLARE

extern const char* const pj_kernel_names[PJ_KERNEL_COUNT];
int pj_dispatch(int id, const PjArgs& a);
/** Sets the message pj_last_error() returns; returns the code. */
int pj_set_error(int code, const char* message);
