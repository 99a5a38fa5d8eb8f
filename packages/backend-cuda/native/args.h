// What a kernel launch carries: up to 10 tensors (device pointer, dtype, strided layout) and integer
// and float attributes. The same struct is filled by the N-API layer and passed by value to kernels.
#pragma once
#include <cstdint>

#define PJ_MAX_RANK 8
#define PJ_MAX_TENSORS 10
#define PJ_MAX_INTS 16
#define PJ_MAX_FLOATS 8

enum PjDType : int32_t { PJ_F32 = 0, PJ_I32 = 1, PJ_BOOL = 2, PJ_F16 = 3, PJ_BF16 = 4 };

struct PjLayout {
  int64_t offset;
  int64_t size;
  int32_t rank;
  int32_t dtype;
  int32_t shape[PJ_MAX_RANK];
  int64_t strides[PJ_MAX_RANK];
};

struct PjArgs {
  void* ptr[PJ_MAX_TENSORS];
  PjLayout t[PJ_MAX_TENSORS];
  int64_t i[PJ_MAX_INTS];
  double f[PJ_MAX_FLOATS];
  int32_t* status;
};
