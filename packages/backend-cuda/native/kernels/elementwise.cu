// Elementwise kernels: one thread an element of out, every operand read through its own strided
// layout (broadcast operands have stride 0). Values are computed in double and rounded on store.
#include "common.cuh"
#include "kernel_ids.h"
#include "math_ops.cuh"

namespace {

constexpr int kThreads = 256;

__global__ void fill_kernel(PjArgs a) {
  const int64_t i = pj_global_thread();
  if (i >= a.t[0].size) return;
  pj_store(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], i), a.f[0]);
}

__global__ void arange_kernel(PjArgs a) {
  const int64_t i = pj_global_thread();
  if (i >= a.t[0].size) return;
  pj_store(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], i), a.f[0] + static_cast<double>(i) * a.f[1]);
}

/** t[0] → t[1] element by element (copy between equal dtypes, cast between any two). */
__global__ void convert_kernel(PjArgs a) {
  const int64_t i = pj_global_thread();
  if (i >= a.t[1].size) return;
  const double v = pj_load(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], i));
  pj_store(a.ptr[1], a.t[1].dtype, pj_offset(a.t[1], i), v);
}

__global__ void unary_kernel(PjArgs a) {
  const int64_t i = pj_global_thread();
  if (i >= a.t[1].size) return;
  const double x = pj_load(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], i));
  const int op = static_cast<int>(a.i[0]);
  const double y = a.t[1].dtype == PJ_I32 ? pj_unary_int(op, x) : pj_unary(op, x);
  pj_store(a.ptr[1], a.t[1].dtype, pj_offset(a.t[1], i), y);
}

__global__ void binary_kernel(PjArgs a) {
  const int64_t i = pj_global_thread();
  if (i >= a.t[2].size) return;
  const double x = pj_load(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], i));
  const double y = pj_load(a.ptr[1], a.t[1].dtype, pj_offset(a.t[1], i));
  const int op = static_cast<int>(a.i[0]);
  const double r = a.t[2].dtype == PJ_I32 ? pj_binary_int(op, x, y) : pj_binary(op, x, y);
  pj_store(a.ptr[2], a.t[2].dtype, pj_offset(a.t[2], i), r);
}

__global__ void where_kernel(PjArgs a) {
  const int64_t i = pj_global_thread();
  if (i >= a.t[3].size) return;
  const bool c = pj_load(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], i)) != 0;
  const int k = c ? 1 : 2;
  pj_store(a.ptr[3], a.t[3].dtype, pj_offset(a.t[3], i), pj_load(a.ptr[k], a.t[k].dtype, pj_offset(a.t[k], i)));
}

int elementwise(void (*kernel)(PjArgs), const PjArgs& a, int64_t n) {
  if (n == 0) return 0;
  PJ_LAUNCH(kernel, pj_grid(n, kThreads), dim3(kThreads), a);
  return 0;
}

/** Whether two layouts over one buffer may touch the same elements (conservatively: their spans meet). */
bool may_overlap(const PjArgs& a) {
  if (a.ptr[0] != a.ptr[1]) return false;
  auto span = [](const PjLayout& l, int64_t& lo, int64_t& hi) {
    lo = hi = l.offset;
    for (int d = 0; d < l.rank; d++) {
      const int64_t reach = (l.shape[d] - 1) * l.strides[d];
      if (reach > 0) hi += reach; else lo += reach;
    }
  };
  int64_t lo0, hi0, lo1, hi1;
  span(a.t[0], lo0, hi0);
  span(a.t[1], lo1, hi1);
  return lo0 <= hi1 && lo1 <= hi0;
}

}  // namespace

extern "C" int pj_alloc(size_t bytes, void** out);
extern "C" void pj_free(void* ptr);

int pj_launch_fill(const PjArgs& a) { return elementwise(fill_kernel, a, a.t[0].size); }
int pj_launch_arange(const PjArgs& a) { return elementwise(arange_kernel, a, a.t[0].size); }
int pj_launch_cast(const PjArgs& a) { return elementwise(convert_kernel, a, a.t[1].size); }
int pj_launch_unary(const PjArgs& a) { return elementwise(unary_kernel, a, a.t[1].size); }
int pj_launch_binary(const PjArgs& a) { return elementwise(binary_kernel, a, a.t[2].size); }
int pj_launch_where(const PjArgs& a) { return elementwise(where_kernel, a, a.t[3].size); }

/** src (t[0]) → dst (t[1]); when they overlap in one buffer, through a contiguous temporary. */
int pj_launch_copy(const PjArgs& a) {
  const int64_t n = a.t[1].size;
  if (n == 0) return 0;
  if (!may_overlap(a)) return elementwise(convert_kernel, a, n);
  const size_t bytes = static_cast<size_t>(n) * (a.t[0].dtype == PJ_BOOL ? 1 : 4);
  void* temp = nullptr;
  if (int err = pj_alloc(bytes, &temp)) return err;
  PjArgs in = a, out = a;
  in.ptr[1] = temp;
  in.t[1] = a.t[0];
  in.t[1].offset = 0;
  int64_t stride = 1;
  for (int d = a.t[0].rank - 1; d >= 0; d--) {
    in.t[1].strides[d] = stride;
    stride *= a.t[0].shape[d];
  }
  out.ptr[0] = temp;
  out.t[0] = in.t[1];
  elementwise(convert_kernel, in, n);
  elementwise(convert_kernel, out, n);
  pj_free(temp);  // stream-ordered: reused only by work queued after the copy
  return 0;
}
