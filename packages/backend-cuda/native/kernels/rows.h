// The fused kernels work on rows over the last axis: a tensor's layout without its last axis (one
// storage offset a row) and the step along it.
#pragma once
#include "common.cuh"

/** Replaces t[k] for each bit k of `mask` by its rows layout; i[8 + k] is the step along the row; i[7] the row length. */
inline PjArgs pj_as_rows(const PjArgs& a, unsigned mask, int64_t length) {
  PjArgs r = a;
  for (int k = 0; k < 8; k++) {
    if (!((mask >> k) & 1)) continue;
    const PjLayout& l = a.t[k];
    if (!a.ptr[k] || l.rank == 0) {
      r.i[8 + k] = 0;
      continue;
    }
    r.t[k] = pj_axes(l, 0, l.rank - 1);
    r.t[k].offset = l.offset;
    r.i[8 + k] = l.strides[l.rank - 1];
  }
  r.i[7] = length;
  return r;
}

__device__ __forceinline__ int64_t pj_row() { return static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x; }

/** Element c of row `row` of tensor k, as double / stored from double. */
__device__ __forceinline__ double pj_row_load(const PjArgs& a, int k, int64_t base, int64_t c) {
  return pj_load(a.ptr[k], a.t[k].dtype, base + c * a.i[8 + k]);
}
__device__ __forceinline__ void pj_row_store(const PjArgs& a, int k, int64_t base, int64_t c, double v) {
  pj_store(a.ptr[k], a.t[k].dtype, base + c * a.i[8 + k], v);
}
