// GEMM on tensor cores (WMMA) for bfloat16 and TF32 operands with float32 accumulation, for
// contiguous row-major A [m, k] and B [k, n] whose m and n are multiples of 64 and k of 16. Each
// block of 4 warps computes a 64×64 tile of C, each warp a 32×32 quarter as 2×2 16×16 fragments;
// A and B pass through shared memory 16 columns/rows at a time.
//
// This path exists only on sm_80 and newer and cannot be emulated: its portable twin is the tiled
// kernel of matmul.cu reading the operands rounded the same way (pj_gemm_portable), which the
// emulated build runs and tests, and which the GPU check compares this kernel against.
#include "common.cuh"
#include "kernel_ids.h"
#include "matmul.h"

#if defined(PJ_EMULATED)

int pj_gemm_tensor_cores(int, int64_t, int64_t, int64_t, const void*, const void*, float*) { return 1; }

#else

#include <mma.h>

namespace {

constexpr int kTile = 64;
constexpr int kDepth = 16;

template <int Format>
__global__ void __launch_bounds__(128) gemm_wmma_kernel(int m, int n, int k, const void* __restrict__ A, const void* __restrict__ B, float* __restrict__ C) {
#if __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  using In = typename std::conditional<Format == PJ_GEMM_BF16, __nv_bfloat16, float>::type;
  using Precision = typename std::conditional<Format == PJ_GEMM_BF16, __nv_bfloat16, wmma::precision::tf32>::type;
  constexpr int kStep = Format == PJ_GEMM_BF16 ? 16 : 8;  // the fragment depth
  __shared__ In As[kTile][kDepth + 8];
  __shared__ In Bs[kDepth][kTile + 8];
  const In* a = static_cast<const In*>(A);
  const In* b = static_cast<const In*>(B);
  const int warp = threadIdx.x / 32, wy = warp / 2, wx = warp % 2;
  const int row0 = blockIdx.y * kTile, col0 = blockIdx.x * kTile;
  wmma::fragment<wmma::accumulator, 16, 16, kStep, float> acc[2][2];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.0f);
  for (int p0 = 0; p0 < k; p0 += kDepth) {
    for (int e = threadIdx.x; e < kTile * kDepth; e += 128) {
      const int r = e / kDepth, p = e % kDepth;
      As[r][p] = a[static_cast<int64_t>(row0 + r) * k + p0 + p];
      const int q = e / kTile, c = e % kTile;
      Bs[q][c] = b[static_cast<int64_t>(p0 + q) * n + col0 + c];
    }
    __syncthreads();
    for (int s = 0; s < kDepth; s += kStep) {
      wmma::fragment<wmma::matrix_a, 16, 16, kStep, Precision, wmma::row_major> fa[2];
      wmma::fragment<wmma::matrix_b, 16, 16, kStep, Precision, wmma::row_major> fb[2];
      for (int i = 0; i < 2; i++) {
        wmma::load_matrix_sync(fa[i], &As[wy * 32 + i * 16][s], kDepth + 8);
        wmma::load_matrix_sync(fb[i], &Bs[s][wx * 32 + i * 16], kTile + 8);
        if constexpr (Format != PJ_GEMM_BF16) {
          for (int t = 0; t < fa[i].num_elements; t++) fa[i].x[t] = wmma::__float_to_tf32(fa[i].x[t]);
          for (int t = 0; t < fb[i].num_elements; t++) fb[i].x[t] = wmma::__float_to_tf32(fb[i].x[t]);
        }
      }
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
    }
    __syncthreads();
  }
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      float* out = C + static_cast<int64_t>(row0 + wy * 32 + i * 16) * n + col0 + wx * 32 + j * 16;
      wmma::store_matrix_sync(out, acc[i][j], n, wmma::mem_row_major);
    }
#endif
}

}  // namespace

int pj_gemm_tensor_cores(int format, int64_t m, int64_t n, int64_t k, const void* A, const void* B, float* C) {
  if (format == PJ_GEMM_F32) return 1;
  if (m % kTile || n % kTile || k % kDepth || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) return 1;
  int device = 0, major = 0;
  cudaGetDevice(&device);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  if (major < 8) return 1;
  const dim3 grid(static_cast<unsigned>(n / kTile), static_cast<unsigned>(m / kTile));
  if (format == PJ_GEMM_BF16) {
    PJ_LAUNCH(gemm_wmma_kernel<PJ_GEMM_BF16>, grid, dim3(128), static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), A, B, C);
  } else {
    PJ_LAUNCH(gemm_wmma_kernel<PJ_GEMM_TF32>, grid, dim3(128), static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), A, B, C);
  }
  return 0;
}

#endif
