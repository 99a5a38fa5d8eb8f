// pj_gemm: the direct GEMM entry of the C ABI (benchmarks and the GPU check call it on raw
// buffers), choosing between the tensor-core kernel, its portable twin and cuBLAS.
#include <string>

#include "../abi.h"
#include "common.cuh"
#include "kernel_ids.h"
#include "matmul.h"

extern "C" int pj_gemm(int format, int64_t m, int64_t n, int64_t k, const void* A, const void* B, float* C, int path, int* ran) {
  if (format < PJ_GEMM_F32 || format > PJ_GEMM_BF16) return pj_set_error(1, "cuda: gemm: format must be 0 (float32), 1 (tf32) or 2 (bfloat16)");
  if (m <= 0 || n <= 0 || k <= 0) return pj_set_error(1, "cuda: gemm: m, n and k must be positive");
  const PjMatmul g = pj_gemm_row_major(m, n, k);
  if (path == 2) {
    if (format == PJ_GEMM_BF16) return pj_set_error(1, "cuda: gemm: the cuBLAS path takes float32 or tf32 operands");
    pj_set_math_mode(format == PJ_GEMM_TF32 ? 1 : 0);
    const int status = pj_matmul_vendor(g, static_cast<const float*>(A), static_cast<const float*>(B), C);
    pj_set_math_mode(0);
    if (status != 0) return pj_set_error(1, (std::string("cuda: gemm: cuBLAS did not run (") + pj_gemm_provider() + ")").c_str());
    *ran = 2;
    return 0;
  }
  if (path == 0 && pj_gemm_tensor_cores(format, m, n, k, A, B, C) == 0) {
    *ran = 0;
    return 0;
  }
  *ran = 1;
  return pj_gemm_portable(format, g, A, B, C);
}
