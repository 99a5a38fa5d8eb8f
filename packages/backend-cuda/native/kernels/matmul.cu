// Batched matmul out[b] = A[b] · B[b] with A[i, p] at i·aRow + p·aCol and B[p, j] at p·bRow + j·bCol
// from each batch's offset (transposes and strided views are only other strides). Batch offsets of
// A and B come from their broadcast batch layouts; out is contiguous.
//
// Two kernels: a 64×64 tile per block with 16-deep shared-memory slices of A and B and a 4×4
// register block per thread (the general path), and a thread per output for small products. Where
// cuBLAS is loaded, the runtime hands it the float32 products whose batches are a single stride.
#include "common.cuh"
#include "kernel_ids.h"
#include "matmul.h"
#include "gemm_formats.cuh"

namespace {

constexpr int kTile = 64;
constexpr int kDepth = 16;
constexpr int kThreadsSide = 16;  // 16×16 threads, each 4×4 outputs
constexpr int kMaxBatchBlocks = 65535;

__device__ __forceinline__ void batch_offsets(const PjMatmul& g, int64_t batch, int64_t& a, int64_t& b, int64_t& out) {
  a = pj_offset(g.a_batch, batch);
  b = pj_offset(g.b_batch, batch);
  out = g.out_offset + batch * g.m * g.n;
}

/** Operand element e as float: float32 as is, TF32 rounded like the tensor cores' inputs, bfloat16 widened. */
template <int Format>
__device__ __forceinline__ float load_operand(const void* p, int64_t e) {
  if (Format == PJ_GEMM_BF16) return pj_bf16_to_float(static_cast<const uint16_t*>(p)[e]);
  const float v = static_cast<const float*>(p)[e];
  return Format == PJ_GEMM_TF32 ? pj_round_tf32(v) : v;
}

template <int Format>
__global__ void __launch_bounds__(256) matmul_tiled_kernel(PjMatmul g, const void* __restrict__ A, const void* __restrict__ B, float* __restrict__ C) {
  __shared__ float As[kDepth][kTile + 1];
  __shared__ float Bs[kDepth][kTile + 1];
  const int tx = threadIdx.x % kThreadsSide, ty = threadIdx.x / kThreadsSide;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * kTile, col0 = static_cast<int64_t>(blockIdx.x) * kTile;
  for (int64_t batch = blockIdx.z; batch < g.batches; batch += gridDim.z) {
    int64_t ao, bo, co;
    batch_offsets(g, batch, ao, bo, co);
    float acc[4][4] = {};
    for (int64_t p0 = 0; p0 < g.k; p0 += kDepth) {
      // 64×16 elements of each operand, 4 a thread
      for (int e = threadIdx.x; e < kTile * kDepth; e += 256) {
        const int r = e / kDepth, p = e % kDepth;
        const int64_t gi = row0 + r, gp = p0 + p;
        As[p][r] = (gi < g.m && gp < g.k) ? load_operand<Format>(A, ao + gi * g.a_row + gp * g.a_col) : 0.0f;
        const int c = e % kTile, q = e / kTile;
        const int64_t gj = col0 + c, gq = p0 + q;
        Bs[q][c] = (gj < g.n && gq < g.k) ? load_operand<Format>(B, bo + gq * g.b_row + gj * g.b_col) : 0.0f;
      }
      __syncthreads();
      for (int p = 0; p < kDepth; p++) {
        float av[4], bv[4];
        for (int i = 0; i < 4; i++) av[i] = As[p][ty + i * kThreadsSide];
        for (int j = 0; j < 4; j++) bv[j] = Bs[p][tx + j * kThreadsSide];
        for (int i = 0; i < 4; i++)
          for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
      }
      __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
      const int64_t gi = row0 + ty + i * kThreadsSide;
      if (gi >= g.m) continue;
      for (int j = 0; j < 4; j++) {
        const int64_t gj = col0 + tx + j * kThreadsSide;
        if (gj < g.n) C[co + gi * g.n + gj] = acc[i][j];
      }
    }
  }
}

__global__ void matmul_small_kernel(PjMatmul g, const float* __restrict__ A, const float* __restrict__ B, float* __restrict__ C) {
  const int64_t t = pj_global_thread();
  const int64_t per_batch = g.m * g.n;
  if (t >= per_batch * g.batches) return;
  const int64_t batch = t / per_batch, ij = t % per_batch, i = ij / g.n, j = ij % g.n;
  int64_t ao, bo, co;
  batch_offsets(g, batch, ao, bo, co);
  float acc = 0.0f;
  for (int64_t p = 0; p < g.k; p++) acc = fmaf(A[ao + i * g.a_row + p * g.a_col], B[bo + p * g.b_row + j * g.b_col], acc);
  C[co + ij] = acc;
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
  if (g.m >= 32 && g.n >= 32) {
    const unsigned z = static_cast<unsigned>(g.batches < kMaxBatchBlocks ? g.batches : kMaxBatchBlocks);
    const dim3 grid(static_cast<unsigned>((g.n + kTile - 1) / kTile), static_cast<unsigned>((g.m + kTile - 1) / kTile), z);
    PJ_LAUNCH(matmul_tiled_kernel<PJ_GEMM_F32>, grid, dim3(256), g, A, B, C);
  } else {
    PJ_LAUNCH(matmul_small_kernel, pj_grid(g.m * g.n * g.batches, 256), dim3(256), g, A, B, C);
  }
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
  const unsigned z = static_cast<unsigned>(g.batches < kMaxBatchBlocks ? g.batches : kMaxBatchBlocks);
  const dim3 grid(static_cast<unsigned>((g.n + kTile - 1) / kTile), static_cast<unsigned>((g.m + kTile - 1) / kTile), z);
  switch (format) {
    case PJ_GEMM_F32: PJ_LAUNCH(matmul_tiled_kernel<PJ_GEMM_F32>, grid, dim3(256), g, A, B, C); break;
    case PJ_GEMM_TF32: PJ_LAUNCH(matmul_tiled_kernel<PJ_GEMM_TF32>, grid, dim3(256), g, A, B, C); break;
    case PJ_GEMM_BF16: PJ_LAUNCH(matmul_tiled_kernel<PJ_GEMM_BF16>, grid, dim3(256), g, A, B, C); break;
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
