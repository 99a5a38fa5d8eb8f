// layer norm and RMS norm over the last axis with their backward kernels (a block a row; the
// weight and bias gradients sum over rows in a second kernel, a thread a column, in order).
//   layerNorm: x̂ = (x − μ)·r, r = 1/sqrt(var + eps) (biased), y = x̂·w + b
//              dx = r·(g − mean(g) − x̂·mean(g·x̂)), g = dy·w;  dw = Σ dy·x̂, db = Σ dy
//   rmsNorm:   r = 1/sqrt(mean(x²) + eps), y = x·r·w
//              dx = r·(g − x·r²·mean(g·x)), g = dy·w;          dw = Σ dy·x·r
#include "common.cuh"
#include "kernel_ids.h"
#include "rows.h"

namespace {

__device__ __forceinline__ double weight_at(const PjArgs& a, int k, int64_t c) {
  return a.ptr[k] ? pj_load(a.ptr[k], a.t[k].dtype, pj_offset(a.t[k], c)) : 1.0;
}
__device__ __forceinline__ double bias_at(const PjArgs& a, int k, int64_t c) {
  return a.ptr[k] ? pj_load(a.ptr[k], a.t[k].dtype, pj_offset(a.t[k], c)) : 0.0;
}
__device__ __forceinline__ double stat_at(const PjArgs& a, int k, int64_t row) {
  return pj_load(a.ptr[k], a.t[k].dtype, pj_offset(a.t[k], row));
}

/** x t0, weight t1, bias t2, out t3, mean t4, rstd t5; f0 eps. */
__global__ void layer_norm_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[0].size) return;
  const int64_t D = a.i[7], xb = pj_offset(a.t[0], row), ob = pj_offset(a.t[3], row);
  double s = 0.0;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) s += pj_row_load(a, 0, xb, c);
  const double mean = pj_block_reduce(s, PjSum(), scratch) / static_cast<double>(D);
  double v = 0.0;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double d = pj_row_load(a, 0, xb, c) - mean;
    v += d * d;
  }
  const double var = pj_block_reduce(v, PjSum(), scratch) / static_cast<double>(D);
  const double rstd = 1.0 / sqrt(var + a.f[0]);
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double xhat = (pj_row_load(a, 0, xb, c) - mean) * rstd;
    pj_row_store(a, 3, ob, c, xhat * weight_at(a, 1, c) + bias_at(a, 2, c));
  }
  if (threadIdx.x == 0) {
    pj_store(a.ptr[4], a.t[4].dtype, pj_offset(a.t[4], row), mean);
    pj_store(a.ptr[5], a.t[5].dtype, pj_offset(a.t[5], row), rstd);
  }
}

/** x t0, weight t1, mean t2, rstd t3, dy t4, dx t5. */
__global__ void layer_norm_backward_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[0].size) return;
  const int64_t D = a.i[7], xb = pj_offset(a.t[0], row), gb = pj_offset(a.t[4], row), db = pj_offset(a.t[5], row);
  const double mean = stat_at(a, 2, row), rstd = stat_at(a, 3, row);
  double sg = 0.0, sgx = 0.0;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double g = pj_row_load(a, 4, gb, c) * weight_at(a, 1, c);
    sg += g;
    sgx += g * (pj_row_load(a, 0, xb, c) - mean) * rstd;
  }
  const double mg = pj_block_reduce(sg, PjSum(), scratch) / static_cast<double>(D);
  const double mgx = pj_block_reduce(sgx, PjSum(), scratch) / static_cast<double>(D);
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double g = pj_row_load(a, 4, gb, c) * weight_at(a, 1, c);
    const double xhat = (pj_row_load(a, 0, xb, c) - mean) * rstd;
    pj_row_store(a, 5, db, c, rstd * (g - mg - xhat * mgx));
  }
}

/**
 * Column sums over rows for the parameter gradients. x t0, dy t4; stats: mean t2 (layer norm) and
 * rstd t3; dweight t6, dbias t7. i0 1 for RMS norm (no mean, x̂ = x·r).
 */
__global__ void norm_params_kernel(PjArgs a) {
  const int64_t c = pj_global_thread();
  const int64_t D = a.i[7];
  if (c >= D) return;
  const bool rms = a.i[0] != 0;
  const int64_t rows = a.t[0].size;
  double dw = 0.0, db = 0.0;
  for (int64_t row = 0; row < rows; row++) {
    const double dy = pj_row_load(a, 4, pj_offset(a.t[4], row), c);
    const double x = pj_row_load(a, 0, pj_offset(a.t[0], row), c);
    const double xhat = rms ? x * stat_at(a, 3, row) : (x - stat_at(a, 2, row)) * stat_at(a, 3, row);
    dw += dy * xhat;
    db += dy;
  }
  if (a.ptr[6]) pj_store(a.ptr[6], a.t[6].dtype, pj_offset(a.t[6], c), dw);
  if (a.ptr[7]) pj_store(a.ptr[7], a.t[7].dtype, pj_offset(a.t[7], c), db);
}

/** x t0, weight t1, out t2, rstd t3; f0 eps. */
__global__ void rms_norm_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[0].size) return;
  const int64_t D = a.i[7], xb = pj_offset(a.t[0], row), ob = pj_offset(a.t[2], row);
  double s = 0.0;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double x = pj_row_load(a, 0, xb, c);
    s += x * x;
  }
  const double rstd = 1.0 / sqrt(pj_block_reduce(s, PjSum(), scratch) / static_cast<double>(D) + a.f[0]);
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) pj_row_store(a, 2, ob, c, pj_row_load(a, 0, xb, c) * rstd * weight_at(a, 1, c));
  if (threadIdx.x == 0) pj_store(a.ptr[3], a.t[3].dtype, pj_offset(a.t[3], row), rstd);
}

/** x t0, weight t1, rstd t3, dy t4, dx t5 (rearranged by the launcher to share norm_params_kernel's slots). */
__global__ void rms_norm_backward_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[0].size) return;
  const int64_t D = a.i[7], xb = pj_offset(a.t[0], row), gb = pj_offset(a.t[4], row), db = pj_offset(a.t[5], row);
  const double rstd = stat_at(a, 3, row);
  double sgx = 0.0;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) sgx += pj_row_load(a, 4, gb, c) * weight_at(a, 1, c) * pj_row_load(a, 0, xb, c);
  const double mgx = pj_block_reduce(sgx, PjSum(), scratch) / static_cast<double>(D);
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double g = pj_row_load(a, 4, gb, c) * weight_at(a, 1, c), x = pj_row_load(a, 0, xb, c);
    pj_row_store(a, 5, db, c, rstd * (g - x * rstd * rstd * mgx));
  }
}

int64_t last_dim(const PjLayout& l) { return l.rank == 0 ? 1 : l.shape[l.rank - 1]; }

int launch_norm(void (*kernel)(PjArgs), const PjArgs& args, unsigned mask) {
  const int64_t D = last_dim(args.t[0]);
  PjArgs a = pj_as_rows(args, mask, D);
  if (a.t[0].size == 0 || D == 0) return 0;
  PJ_LAUNCH(kernel, pj_grid(a.t[0].size, 1), dim3(pj_block_size(D)), a);
  return 0;
}

int launch_params(const PjArgs& rows, int rms) {
  if (!rows.ptr[6] && !rows.ptr[7]) return 0;
  PjArgs a = rows;
  a.i[0] = rms;
  PJ_LAUNCH(norm_params_kernel, pj_grid(a.i[7], 128), dim3(128), a);
  return 0;
}

}  // namespace

int pj_launch_layerNorm(const PjArgs& a) { return launch_norm(layer_norm_kernel, a, 0b1001); }

int pj_launch_rmsNorm(const PjArgs& a) { return launch_norm(rms_norm_kernel, a, 0b101); }

/** x t0, weight t1, mean t2, rstd t3, dy t4, dx t5, dweight t6, dbias t7. */
int pj_launch_layerNormBackward(const PjArgs& args) {
  const int64_t D = last_dim(args.t[0]);
  PjArgs a = pj_as_rows(args, 0b110001, D);
  if (a.t[0].size == 0 || D == 0) return 0;
  PJ_LAUNCH(layer_norm_backward_kernel, pj_grid(a.t[0].size, 1), dim3(pj_block_size(D)), a);
  return launch_params(a, 0);
}

/** Given x t0, weight t1, rstd t2, dy t3, dx t4, dweight t5: moved to the layer-norm slots. */
int pj_launch_rmsNormBackward(const PjArgs& args) {
  PjArgs s = args;
  s.ptr[2] = nullptr;
  s.ptr[3] = args.ptr[2];
  s.t[3] = args.t[2];
  s.ptr[4] = args.ptr[3];
  s.t[4] = args.t[3];
  s.ptr[5] = args.ptr[4];
  s.t[5] = args.t[4];
  s.ptr[6] = args.ptr[5];
  s.t[6] = args.t[5];
  s.ptr[7] = nullptr;
  const int64_t D = last_dim(s.t[0]);
  PjArgs a = pj_as_rows(s, 0b110001, D);
  if (a.t[0].size == 0 || D == 0) return 0;
  PJ_LAUNCH(rms_norm_backward_kernel, pj_grid(a.t[0].size, 1), dim3(pj_block_size(D)), a);
  return launch_params(a, 1);
}
