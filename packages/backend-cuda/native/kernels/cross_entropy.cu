// Cross-entropy over the class axis with label smoothing ε, a block a row:
//   loss = (1−ε)·(lse − x_t) + ε·(lse − mean_c x_c), lse = log Σ e^x; 0 where target == ignoreIndex
//   dlogits_c = dloss · (softmax_c − (1−ε)·[c = t] − ε/C); 0 for ignored rows
// A target outside [0, C) raises the status for the next read (the row's loss is written as 0).
#include "common.cuh"
#include "kernel_ids.h"
#include "rows.h"

namespace {

struct RowStats {
  double max, lse, mean;
};

__device__ RowStats row_stats(const PjArgs& a, int64_t xb, int64_t C, double* scratch) {
  double m = -INFINITY, s = 0.0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    const double x = pj_row_load(a, 0, xb, c);
    m = PjMax()(m, x);
    s += x;
  }
  m = pj_block_reduce(m, PjMax(), scratch);
  const double mean = pj_block_reduce(s, PjSum(), scratch) / static_cast<double>(C);
  double e = 0.0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) e += exp(pj_row_load(a, 0, xb, c) - m);
  e = pj_block_reduce(e, PjSum(), scratch);
  return RowStats{m, m + log(e), mean};
}

/** Reads row `row`'s target; false (and the status raised once, by thread 0) when it is out of range. */
__device__ bool target_of(const PjArgs& a, int64_t row, int64_t C, int64_t& t, bool& ignored) {
  t = static_cast<const int32_t*>(a.ptr[1])[pj_offset(a.t[1], row)];
  ignored = t == a.i[0];
  if (ignored || (t >= 0 && t < C)) return true;
  if (threadIdx.x == 0) pj_raise(a.status, PJ_BAD_TARGET, static_cast<int32_t>(t), static_cast<int32_t>(C));
  return false;
}

/** logits t0, target t1, loss t2; i0 ignoreIndex, f0 ε. */
__global__ void cross_entropy_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[1].size) return;
  const int64_t C = a.i[7], xb = pj_offset(a.t[0], row);
  int64_t t;
  bool ignored;
  const bool valid = target_of(a, row, C, t, ignored);
  if (ignored || !valid) {
    if (threadIdx.x == 0) pj_store(a.ptr[2], a.t[2].dtype, pj_offset(a.t[2], row), 0.0);
    return;
  }
  const RowStats st = row_stats(a, xb, C, scratch);
  if (threadIdx.x == 0) {
    const double eps = a.f[0];
    const double nll = st.lse - pj_row_load(a, 0, xb, t);
    pj_store(a.ptr[2], a.t[2].dtype, pj_offset(a.t[2], row), (1.0 - eps) * nll + eps * (st.lse - st.mean));
  }
}

/** logits t0, target t1, dloss t2, dlogits t3; i0 ignoreIndex, f0 ε. */
__global__ void cross_entropy_backward_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t row = pj_row();
  if (row >= a.t[1].size) return;
  const int64_t C = a.i[7], xb = pj_offset(a.t[0], row), db = pj_offset(a.t[3], row);
  int64_t t;
  bool ignored;
  const bool valid = target_of(a, row, C, t, ignored);
  if (ignored || !valid) {
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) pj_row_store(a, 3, db, c, 0.0);
    return;
  }
  const RowStats st = row_stats(a, xb, C, scratch);
  const double dloss = pj_load(a.ptr[2], a.t[2].dtype, pj_offset(a.t[2], row)), eps = a.f[0];
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    const double p = exp(pj_row_load(a, 0, xb, c) - st.lse);
    const double target = (c == t ? 1.0 - eps : 0.0) + eps / static_cast<double>(C);
    pj_row_store(a, 3, db, c, dloss * (p - target));
  }
}

int launch(void (*kernel)(PjArgs), const PjArgs& args, unsigned mask) {
  const PjLayout& x = args.t[0];
  const int64_t C = x.shape[x.rank - 1];
  PjArgs a = pj_as_rows(args, mask, C);
  const int64_t rows = a.t[1].size;
  if (rows == 0) return 0;
  PJ_LAUNCH(kernel, pj_grid(rows, 1), dim3(pj_block_size(C)), a);
  return 0;
}

}  // namespace

int pj_launch_crossEntropy(const PjArgs& a) { return launch(cross_entropy_kernel, a, 0b1); }
int pj_launch_crossEntropyBackward(const PjArgs& a) { return launch(cross_entropy_backward_kernel, a, 0b1001); }
