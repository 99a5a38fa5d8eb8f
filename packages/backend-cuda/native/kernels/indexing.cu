// gather (indexSelect) and scatterAdd (indexAdd). An element splits into (p, j, q): p over the axes
// before `axis`, j over the indices, q over the axes after. An index outside [0, dim) raises the
// status for the next read; gather then writes 0 and scatterAdd skips it.
#include "common.cuh"
#include "kernel_ids.h"

namespace {

constexpr int kThreads = 256;

/** x t[0], indices t[1], out t[2]; t[3] x's axes before `axis`, t[4] those after; i0 axis. */
__global__ void gather_kernel(PjArgs a) {
  const int64_t o = pj_global_thread();
  if (o >= a.t[2].size) return;
  const int64_t after = a.t[4].size, count = a.t[1].size;
  const int64_t q = o % after, j = (o / after) % count, p = o / (after * count);
  const int axis = static_cast<int>(a.i[0]);
  const int64_t dim = a.t[0].shape[axis];
  const int32_t index = static_cast<const int32_t*>(a.ptr[1])[pj_offset(a.t[1], j)];
  double v = 0.0;
  if (index < 0 || index >= dim) {
    pj_raise(a.status, PJ_BAD_GATHER_INDEX, index, static_cast<int32_t>(dim));
  } else {
    v = pj_load(a.ptr[0], a.t[0].dtype, a.t[0].offset + pj_offset(a.t[3], p) + index * a.t[0].strides[axis] + pj_offset(a.t[4], q));
  }
  pj_store(a.ptr[2], a.t[2].dtype, pj_offset(a.t[2], o), v);
}

/** src t[0], indices t[1], out t[2] (contiguous); i0 axis, i1 before, i2 after. */
__global__ void scatter_add_kernel(PjArgs a) {
  const int64_t s = pj_global_thread();
  if (s >= a.t[0].size) return;
  const int64_t after = a.i[2], count = a.t[1].size;
  const int64_t q = s % after, j = (s / after) % count, p = s / (after * count);
  const int64_t rows = a.t[2].shape[a.i[0]];
  const int32_t index = static_cast<const int32_t*>(a.ptr[1])[pj_offset(a.t[1], j)];
  if (index < 0 || index >= rows) {
    pj_raise(a.status, PJ_BAD_SCATTER_INDEX, index, static_cast<int32_t>(rows));
    return;
  }
  const int64_t target = a.t[2].offset + (p * rows + index) * after + q;
  const double v = pj_load(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], s));
  if (a.t[2].dtype == PJ_F32) {
    atomicAdd(static_cast<float*>(a.ptr[2]) + target, static_cast<float>(v));
  } else {
    atomicAdd(static_cast<int32_t*>(a.ptr[2]) + target, static_cast<int32_t>(v));
  }
}

}  // namespace

int pj_launch_gather(const PjArgs& args) {
  PjArgs a = args;
  const int axis = static_cast<int>(a.i[0]);
  a.t[3] = pj_axes(a.t[0], 0, axis);
  a.t[4] = pj_axes(a.t[0], axis + 1, a.t[0].rank);
  if (a.t[2].size == 0) return 0;
  PJ_LAUNCH(gather_kernel, pj_grid(a.t[2].size, kThreads), dim3(kThreads), a);
  return 0;
}

int pj_launch_scatterAdd(const PjArgs& args) {
  PjArgs a = args;
  const int axis = static_cast<int>(a.i[0]);
  a.i[2] = pj_axes(a.t[2], axis + 1, a.t[2].rank).size;
  if (a.t[0].size == 0) return 0;
  if (a.t[2].dtype != PJ_F32 && a.t[2].dtype != PJ_I32) return pj_set_error(1, "cuda: scatterAdd: out must be float32 or int32");
  PJ_LAUNCH(scatter_add_kernel, pj_grid(a.t[0].size, kThreads), dim3(kThreads), a);
  return 0;
}
