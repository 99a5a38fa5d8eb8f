#pragma once
#include "../args.h"

/** The geometry of one batched matmul, read from the layouts (see matmul.cu). */
struct PjMatmul {
  int64_t m, n, k;
  int64_t a_row, a_col, b_row, b_col;
  PjLayout a_batch, b_batch;
  int64_t batches, out_offset;
};

PjMatmul pj_matmul_geometry(const PjArgs& a);
/** The project's GEMM (always available; the only one in the emulated build). */
int pj_matmul_own(const PjMatmul& g, const float* A, const float* B, float* C);
/** A vendor GEMM (cuBLAS) where loaded and the geometry fits it: 0 when it ran, else nonzero. */
int pj_matmul_vendor(const PjMatmul& g, const float* A, const float* B, float* C);

/** Operand formats of the direct GEMM (pj_gemm): float32, float32 through TF32, bfloat16; out float32. */
enum PjGemmFormat { PJ_GEMM_F32 = 0, PJ_GEMM_TF32 = 1, PJ_GEMM_BF16 = 2 };

/** Contiguous row-major A [m, k] · B [k, n] → C [m, n]. */
PjMatmul pj_gemm_row_major(int64_t m, int64_t n, int64_t k);
/** The tiled kernel on any operand format (the twin the tensor-core kernel is compared with). */
int pj_gemm_portable(int format, const PjMatmul& g, const void* A, const void* B, float* C);
/** The tensor-core kernel (CUDA build, sm_80+): nonzero when the shape or the build cannot run it. */
int pj_gemm_tensor_cores(int format, int64_t m, int64_t n, int64_t k, const void* A, const void* B, float* C);
