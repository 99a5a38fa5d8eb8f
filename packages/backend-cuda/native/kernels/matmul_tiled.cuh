// The project's GEMM kernels, generic over how operand elements are loaded, so the same tiles serve
// float32, the GEMM formats (TF32-rounded, bfloat16) and weights dequantized as they are staged
// (quantized.cu). C[b] = A[b] · B[b] with A[i, p] at i·aRow + p·aCol and B[p, j] at p·bRow + j·bCol
// from each batch's offset; C is contiguous.
//
// Two kernels: a 64×64 tile per block with 16-deep shared-memory slices of A and B and a 4×4
// register block per thread (the general path), and a thread per output for small products.
// `Operands` has `a(e)` and `b(e)`: element e of A's or B's storage as float.
#pragma once
#include "common.cuh"
#include "matmul.h"

namespace pj_gemm_detail {

constexpr int kTile = 64;
constexpr int kDepth = 16;
constexpr int kThreadsSide = 16;  // 16×16 threads, each 4×4 outputs
constexpr int kMaxBatchBlocks = 65535;

__device__ __forceinline__ void batch_offsets(const PjMatmul& g, int64_t batch, int64_t& a, int64_t& b, int64_t& out) {
  a = pj_offset(g.a_batch, batch);
  b = pj_offset(g.b_batch, batch);
  out = g.out_offset + batch * g.m * g.n;
}

template <class Operands>
__global__ void __launch_bounds__(256) tiled_kernel(PjMatmul g, Operands ops, float* __restrict__ C) {
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
        As[p][r] = (gi < g.m && gp < g.k) ? ops.a(ao + gi * g.a_row + gp * g.a_col) : 0.0f;
        const int c = e % kTile, q = e / kTile;
        const int64_t gj = col0 + c, gq = p0 + q;
        Bs[q][c] = (gj < g.n && gq < g.k) ? ops.b(bo + gq * g.b_row + gj * g.b_col) : 0.0f;
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

template <class Operands>
__global__ void small_kernel(PjMatmul g, Operands ops, float* __restrict__ C) {
  const int64_t t = pj_global_thread();
  const int64_t per_batch = g.m * g.n;
  if (t >= per_batch * g.batches) return;
  const int64_t batch = t / per_batch, ij = t % per_batch, i = ij / g.n, j = ij % g.n;
  int64_t ao, bo, co;
  batch_offsets(g, batch, ao, bo, co);
  float acc = 0.0f;
  for (int64_t p = 0; p < g.k; p++) acc = fmaf(ops.a(ao + i * g.a_row + p * g.a_col), ops.b(bo + p * g.b_row + j * g.b_col), acc);
  C[co + ij] = acc;
}

}  // namespace pj_gemm_detail

/** The tiled kernel on any operands (the path of every product with M and N of 32 or more). */
template <class Operands>
void pj_matmul_tiled(const PjMatmul& g, const Operands& ops, float* C) {
  using namespace pj_gemm_detail;
  const unsigned z = static_cast<unsigned>(g.batches < kMaxBatchBlocks ? g.batches : kMaxBatchBlocks);
  const dim3 grid(static_cast<unsigned>((g.n + kTile - 1) / kTile), static_cast<unsigned>((g.m + kTile - 1) / kTile), z);
  PJ_LAUNCH(tiled_kernel<Operands>, grid, dim3(256), g, ops, C);
}

/** The tiled kernel where M and N are 32 or more, else a thread per output. */
template <class Operands>
void pj_matmul_loaded(const PjMatmul& g, const Operands& ops, float* C) {
  if (g.m >= 32 && g.n >= 32) {
    pj_matmul_tiled(g, ops, C);
  } else {
    PJ_LAUNCH(pj_gemm_detail::small_kernel<Operands>, pj_grid(g.m * g.n * g.batches, 256), dim3(256), g, ops, C);
  }
}
