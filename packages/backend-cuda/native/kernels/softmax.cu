// softmax and log-softmax over the last axis with their backward kernels: a block a row, the row's
// max and sum reduced in double across the block.
//   softmax:   y = e^(x − max) / Σ e^(x − max)          dx = y · (dy − Σ dy·y)
//   logSoftmax: y = x − max − log Σ e^(x − max)          dx = dy − e^y · Σ dy
#include "common.cuh"
#include "kernel_ids.h"
#include "rows.h"

namespace {

/** x t[0], out t[1]; i0 1 for log-softmax. */
__global__ void softmax_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[0].size) return;
  const int64_t D = a.i[7], xb = pj_offset(a.t[0], row), ob = pj_offset(a.t[1], row);
  double m = -INFINITY;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) m = PjMax()(m, pj_row_load(a, 0, xb, c));
  m = pj_block_reduce(m, PjMax(), scratch);
  double s = 0.0;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) s += exp(pj_row_load(a, 0, xb, c) - m);
  s = pj_block_reduce(s, PjSum(), scratch);
  const bool log_form = a.i[0] != 0;
  const double log_s = log(s);
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double z = pj_row_load(a, 0, xb, c) - m;
    pj_row_store(a, 1, ob, c, log_form ? z - log_s : exp(z) / s);
  }
}

/** y t[0], dy t[1], dx t[2]; i0 1 for log-softmax. */
__global__ void softmax_backward_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[0].size) return;
  const int64_t D = a.i[7], yb = pj_offset(a.t[0], row), gb = pj_offset(a.t[1], row), db = pj_offset(a.t[2], row);
  const bool log_form = a.i[0] != 0;
  double s = 0.0;
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double dy = pj_row_load(a, 1, gb, c);
    s += log_form ? dy : dy * pj_row_load(a, 0, yb, c);
  }
  s = pj_block_reduce(s, PjSum(), scratch);
  for (int64_t c = threadIdx.x; c < D; c += blockDim.x) {
    const double y = pj_row_load(a, 0, yb, c), dy = pj_row_load(a, 1, gb, c);
    pj_row_store(a, 2, db, c, log_form ? dy - exp(y) * s : y * (dy - s));
  }
}

int launch_rows(void (*kernel)(PjArgs), const PjArgs& args, unsigned mask, int log_form) {
  const PjLayout& x = args.t[0];
  const int64_t D = x.rank == 0 ? 1 : x.shape[x.rank - 1];
  PjArgs a = pj_as_rows(args, mask, D);
  a.i[0] = log_form;
  const int64_t rows = a.t[0].size;
  if (rows == 0 || D == 0) return 0;
  PJ_LAUNCH(kernel, pj_grid(rows, 1), dim3(pj_block_size(D)), a);
  return 0;
}

}  // namespace

int pj_launch_softmax(const PjArgs& a) { return launch_rows(softmax_kernel, a, 0b11, 0); }
int pj_launch_logSoftmax(const PjArgs& a) { return launch_rows(softmax_kernel, a, 0b11, 1); }
int pj_launch_softmaxBackward(const PjArgs& a) { return launch_rows(softmax_backward_kernel, a, 0b111, 0); }
int pj_launch_logSoftmaxBackward(const PjArgs& a) { return launch_rows(softmax_backward_kernel, a, 0b111, 1); }
