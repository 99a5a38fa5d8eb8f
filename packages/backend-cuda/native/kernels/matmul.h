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
