// Reductions. The launcher splits x's layout into the kept axes (t[2], one element of out each)
// and the reduced axes (t[3]); sums accumulate in double like the CPU reference, max/min propagate
// NaN. Long reductions take a block an output (shuffles, then shared memory); short ones a thread.
#include "common.cuh"
#include "kernel_ids.h"

namespace {

enum { R_SUM = 0, R_MAX = 1, R_MIN = 2 };

struct Combine {
  int op;
  __device__ __forceinline__ double operator()(double acc, double v) const {
    if (op == R_SUM) return acc + v;
    if (op == R_MAX) return (v > acc || v != v) ? v : acc;
    return (v < acc || v != v) ? v : acc;
  }
};

__device__ __forceinline__ double initial(int op) { return op == R_SUM ? 0.0 : (op == R_MAX ? -INFINITY : INFINITY); }

__device__ __forceinline__ double reduce_range(const PjArgs& a, int64_t base, int64_t from, int64_t step, Combine c) {
  double acc = initial(c.op);
  for (int64_t r = from; r < a.t[3].size; r += step) acc = c(acc, pj_load(a.ptr[0], a.t[0].dtype, base + pj_offset(a.t[3], r)));
  return acc;
}

__global__ void reduce_thread_kernel(PjArgs a) {
  const int64_t o = pj_global_thread();
  if (o >= a.t[1].size) return;
  const Combine c{static_cast<int>(a.i[0])};
  const double acc = reduce_range(a, pj_offset(a.t[2], o), 0, 1, c);
  pj_store(a.ptr[1], a.t[1].dtype, pj_offset(a.t[1], o), acc);
}

__global__ void reduce_block_kernel(PjArgs a) {
  __shared__ double scratch[32];
  const int64_t o = static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x;
  if (o >= a.t[1].size) return;
  const Combine c{static_cast<int>(a.i[0])};
  double acc = reduce_range(a, pj_offset(a.t[2], o), threadIdx.x, blockDim.x, c);
  acc = pj_block_reduce(acc, c, scratch);
  if (threadIdx.x == 0) pj_store(a.ptr[1], a.t[1].dtype, pj_offset(a.t[1], o), acc);
}

/** First index of the maximum along the line (NaN counts as the maximum), like the CPU reference. */
__global__ void argmax_kernel(PjArgs a) {
  const int64_t o = pj_global_thread();
  if (o >= a.t[1].size) return;
  const int64_t start = pj_offset(a.t[2], o), step = a.i[1], length = a.i[2];
  int64_t best = 0;
  double best_value = pj_load(a.ptr[0], a.t[0].dtype, start);
  for (int64_t k = 1; k < length && best_value == best_value; k++) {
    const double v = pj_load(a.ptr[0], a.t[0].dtype, start + k * step);
    if (v > best_value || v != v) {
      best = k;
      best_value = v;
    }
  }
  pj_store(a.ptr[1], a.t[1].dtype, pj_offset(a.t[1], o), static_cast<double>(best));
}

/** The axes of `x` kept (mask bit clear) or removed (bit set), as a layout; kept carries x's offset. */
PjLayout select_axes(const PjLayout& x, int64_t mask, bool removed) {
  PjLayout out{};
  out.dtype = x.dtype;
  out.size = 1;
  out.offset = removed ? 0 : x.offset;
  for (int d = 0; d < x.rank; d++) {
    if (((mask >> d) & 1) != static_cast<int64_t>(removed)) continue;
    out.shape[out.rank] = x.shape[d];
    out.strides[out.rank] = x.strides[d];
    out.rank++;
    out.size *= x.shape[d];
  }
  return out;
}

}  // namespace

/** x t[0], out t[1]; i0 op, i1 mask of reduced axes. */
int pj_launch_reduce(const PjArgs& args) {
  PjArgs a = args;
  a.t[2] = select_axes(a.t[0], a.i[1], false);
  a.t[3] = select_axes(a.t[0], a.i[1], true);
  const int64_t outputs = a.t[1].size, length = a.t[3].size;
  if (outputs == 0) return 0;
  if (length <= 64) {
    PJ_LAUNCH(reduce_thread_kernel, pj_grid(outputs, 256), dim3(256), a);
  } else {
    PJ_LAUNCH(reduce_block_kernel, pj_grid(outputs, 1), dim3(pj_block_size(length)), a);
  }
  return 0;
}

/** x t[0], out t[1]; i0 axis. */
int pj_launch_argmax(const PjArgs& args) {
  PjArgs a = args;
  const int axis = static_cast<int>(a.i[0]);
  a.t[2] = select_axes(a.t[0], int64_t{1} << axis, false);
  a.i[1] = a.t[0].strides[axis];
  a.i[2] = a.t[0].shape[axis];
  if (a.t[1].size == 0 || a.i[2] == 0) return 0;
  PJ_LAUNCH(argmax_kernel, pj_grid(a.t[1].size, 256), dim3(256), a);
  return 0;
}
