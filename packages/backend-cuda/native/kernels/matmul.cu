// Batched matmul out[b] = A[b] · B[b] (transposes and strided views are only other strides; batch
// offsets of A and B come from their broadcast batch layouts; out is contiguous) on the kernels of
// matmul_tiled.cuh. Where cuBLAS is loaded, the runtime hands it the float32 products whose batches
// are a single stride.
#include "common.cuh"
#include "kernel_ids.h"
#include "matmul.h"
#include "matmul_tiled.cuh"
#include "gemm_formats.cuh"

namespace {

/** Element e of an operand as float: float32 as is, TF32 rounded like the tensor cores' inputs, bfloat16 widened. */
template <int Format>
struct FormatLoad {
  const void* p;
  __device__ __forceinline__ float operator()(int64_t e) const {
    if (Format == PJ_GEMM_BF16) return pj_bf16_to_float(static_cast<const uint16_t*>(p)[e]);
    const float v = static_cast<const float*>(p)[e];
    return Format == PJ_GEMM_TF32 ? pj_round_tf32(v) : v;
  }
};

template <int Format>
struct FormatOperands {
  FormatLoad<Format> a, b;
};

template <int Format>
FormatOperands<Format> operands(const void* A, const void* B) {
  return FormatOperands<Format>{{A}, {B}};
}

}  // namespace

PjMatmul pj_matmul_geometry(const PjArgs& a) {
  const PjLayout &la = a.t[0], &lb = a.t[1], &lo = a.t[2];
  const bool trans_a = a.i[0] != 0, trans_b = a.i[1] != 0;
  const int r = lo.rank;
  PjMatmul g{};
  g.m = lo.shape[r - 2];
  g.n = lo.shape[r - 1];
  g.k = la.shape[trans_a ? r - 2 : r - 1];
  g.a_row = la.strides[trans_a ? r - 1 : r - 2];
  g.a_col = la.strides[trans_a ? r - 2 : r - 1];
  g.b_row = lb.strides[trans_b ? r - 1 : r - 2];
  g.b_col = lb.strides[trans_b ? r - 2 : r - 1];
  g.a_batch = pj_axes(la, 0, r - 2);
  g.a_batch.offset = la.offset;
  g.b_batch = pj_axes(lb, 0, r - 2);
  g.b_batch.offset = lb.offset;
  g.batches = pj_axes(lo, 0, r - 2).size;
  g.out_offset = lo.offset;
  return g;
}

int pj_matmul_own(const PjMatmul& g, const float* A, const float* B, float* C) {
  pj_matmul_loaded(g, operands<PJ_GEMM_F32>(A, B), C);
  return 0;
}

/** a t[0], b t[1], out t[2] (float32); i0 transA, i1 transB. */
int pj_launch_matmul(const PjArgs& a) {
  const PjMatmul g = pj_matmul_geometry(a);
  if (g.m == 0 || g.n == 0 || g.batches == 0) return 0;
  const float* A = static_cast<const float*>(a.ptr[0]);
  const float* B = static_cast<const float*>(a.ptr[1]);
  float* C = static_cast<float*>(a.ptr[2]);
  if (g.k == 0) {
    PjArgs zero = a;
    zero.ptr[0] = a.ptr[2];
    zero.t[0] = a.t[2];
    zero.f[0] = 0.0;
    return pj_launch_fill(zero);
  }
  if (pj_matmul_vendor(g, A, B, C) == 0) return 0;
  return pj_matmul_own(g, A, B, C);
}

/** The portable twin of the tensor-core GEMM: the same tiles, operands rounded as the MMA inputs are. */
int pj_gemm_portable(int format, const PjMatmul& g, const void* A, const void* B, float* C) {
  switch (format) {
    case PJ_GEMM_F32: pj_matmul_tiled(g, operands<PJ_GEMM_F32>(A, B), C); break;
    case PJ_GEMM_TF32: pj_matmul_tiled(g, operands<PJ_GEMM_TF32>(A, B), C); break;
    case PJ_GEMM_BF16: pj_matmul_tiled(g, operands<PJ_GEMM_BF16>(A, B), C); break;
    default: return pj_set_error(1, "cuda: gemm: unknown operand format");
  }
  return 0;
}

PjMatmul pj_gemm_row_major(int64_t m, int64_t n, int64_t k) {
  PjMatmul g{};
  g.m = m;
  g.n = n;
  g.k = k;
  g.a_row = k;
  g.a_col = 1;
  g.b_row = n;
  g.b_col = 1;
  g.batches = 1;
  g.a_batch.size = g.b_batch.size = 1;
  return g;
}
