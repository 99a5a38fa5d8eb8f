// dequantize and quantizedMatmul on weights stored NF4 (optionally double-quantized) or int8
// (quantized_weight.cuh decodes them).
//
// quantizedMatmul is the project's tiled GEMM (matmul_tiled.cuh) with B staged from the quantized
// weight: each element is dequantized as it enters the shared-memory tile, so the float weight never
// exists in device memory and no scratch buffer is taken. B[p, j] is W[j, p] (x · Wᵀ) or W[p, j]
// (x · W), only other strides into W's row-major elements. It does not go through cuBLAS: that would
// need W dequantized in full first (a rows × cols float32 buffer a call).
#include <string>

#include "common.cuh"
#include "kernel_ids.h"
#include "matmul.h"
#include "matmul_tiled.cuh"
#include "quantized_weight.cuh"

namespace {

constexpr int kThreads = 256;

/** A of the product is x (float32, row-major [M, K]); B is the dequantized weight. */
template <class Load>
struct QuantOperands {
  const float* x;
  Load w;
  __device__ __forceinline__ float a(int64_t e) const { return x[e]; }
  __device__ __forceinline__ float b(int64_t e) const { return w(e); }
};

template <class Load>
__global__ void dequantize_kernel(Load w, int64_t count, float* __restrict__ out) {
  const int64_t i = pj_global_thread();
  if (i < count) out[i] = w(i);
}

int weight_error(const char* op, const char* why) {
  return pj_set_error(1, (std::string("cuda: ") + op + ": the quantized weight's buffers do not fit: " + why).c_str());
}

}  // namespace

/**
 * x t0 [M, K] and out t1 [M, N] (float32, contiguous); the weight's buffers t2..t8 (see
 * pj_quant_weight); i0 format, i1 rows, i2 cols, i3 blockSize, i4 nested blockSize, i5 transposeWeight.
 */
int pj_launch_quantizedMatmul(const PjArgs& a) {
  const PjQuantWeight w = pj_quant_weight(a, 2);
  if (const char* why = pj_quant_mismatch(a.i[0], w)) return weight_error("quantizedMatmul", why);
  if (a.t[0].dtype != PJ_F32 || a.t[1].dtype != PJ_F32) return pj_set_error(1, "cuda: quantizedMatmul: x and out must be float32");
  const bool transpose_weight = a.i[5] != 0;
  const int64_t m = a.t[0].shape[0];
  const int64_t k = transpose_weight ? w.cols : w.rows;
  const int64_t n = transpose_weight ? w.rows : w.cols;
  if (m == 0 || n == 0) return 0;
  PjMatmul g = pj_gemm_row_major(m, n, k);
  g.b_row = transpose_weight ? 1 : w.cols;
  g.b_col = transpose_weight ? w.cols : 1;
  const float* x = static_cast<const float*>(a.ptr[0]) + a.t[0].offset;
  float* out = static_cast<float*>(a.ptr[1]) + a.t[1].offset;
  pj_with_quant_load(a.i[0], w, [&](auto load) { pj_matmul_loaded(g, QuantOperands<decltype(load)>{x, load}, out); });
  return 0;
}

/** out t0 [rows, cols] (float32, contiguous); the weight's buffers t1..t7; ints as quantizedMatmul's. */
int pj_launch_dequantize(const PjArgs& a) {
  const PjQuantWeight w = pj_quant_weight(a, 1);
  if (const char* why = pj_quant_mismatch(a.i[0], w)) return weight_error("dequantize", why);
  if (a.t[0].dtype != PJ_F32) return pj_set_error(1, "cuda: dequantize: out must be float32");
  const int64_t count = w.rows * w.cols;
  if (count == 0) return 0;
  float* out = static_cast<float*>(a.ptr[0]) + a.t[0].offset;
  pj_with_quant_load(a.i[0], w, [&](auto load) { PJ_LAUNCH(dequantize_kernel<decltype(load)>, pj_grid(count, kThreads), dim3(kThreads), load, count, out); });
  return 0;
}
