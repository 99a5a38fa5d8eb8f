// Shared by every kernel file: the CUDA/emulation switch, the launch macro, strided indexing and
// dtype-generic loads and stores. Elementwise values travel as double, so int32 wraps and float
// rounding match the CPU reference (which computes in float64 and rounds once on store).
#pragma once
#include <cstdint>
#include <cmath>
#include <math.h>

#ifdef PJ_EMULATED
#include "../emu/cuda_emu.h"
#define PJ_LAUNCH(kernel, grid, block, ...) ::emu::launch((grid), (block), [&]() { kernel(__VA_ARGS__); })
#else
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
cudaStream_t pj_stream();
#define PJ_LAUNCH(kernel, grid, block, ...) kernel<<<(grid), (block), 0, pj_stream()>>>(__VA_ARGS__)
#endif

#include "../args.h"

/** Status words the kernels raise for the next read: [kind, value, bound, 0]; the first report wins. */
enum PjStatusKind : int32_t { PJ_BAD_GATHER_INDEX = 1, PJ_BAD_SCATTER_INDEX = 2, PJ_BAD_TARGET = 3 };

__device__ __forceinline__ void pj_raise(int32_t* status, int32_t kind, int32_t value, int32_t bound) {
  if (atomicCAS(status, 0, kind) == 0) {
    status[1] = value;
    status[2] = bound;
  }
}

/** Storage offset of element `i` (row-major over the shape) of a strided layout. */
__device__ __forceinline__ int64_t pj_offset(const PjLayout& l, int64_t i) {
  int64_t off = l.offset;
  for (int d = l.rank - 1; d >= 0; --d) {
    const int64_t n = l.shape[d];
    off += (i % n) * l.strides[d];
    i /= n;
  }
  return off;
}

/** JavaScript's ToInt32 (what an Int32Array store does): truncate, wrap modulo 2^32, NaN/±Inf to 0. */
__device__ __forceinline__ int32_t pj_to_int32(double v) {
  if (!(v == v) || v == INFINITY || v == -INFINITY) return 0;
  double t = trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return static_cast<int32_t>(t);
  double m = fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

__device__ __forceinline__ double pj_load(const void* p, int32_t dtype, int64_t o) {
  switch (dtype) {
    case PJ_F32: return static_cast<const float*>(p)[o];
    case PJ_I32: return static_cast<const int32_t*>(p)[o];
    default: return static_cast<const uint8_t*>(p)[o];
  }
}

__device__ __forceinline__ void pj_store(void* p, int32_t dtype, int64_t o, double v) {
  switch (dtype) {
    case PJ_F32: static_cast<float*>(p)[o] = static_cast<float>(v); break;
    case PJ_I32: static_cast<int32_t*>(p)[o] = pj_to_int32(v); break;
    default: static_cast<uint8_t*>(p)[o] = v != 0 ? 1 : 0; break;
  }
}

/** A grid of `n` threads in blocks of `threads`, spread over y when x would pass its limit. */
inline dim3 pj_grid(int64_t n, int threads) {
  int64_t blocks = (n + threads - 1) / threads;
  if (blocks < 1) blocks = 1;
  if (blocks <= 65535) return dim3(static_cast<unsigned>(blocks));
  int64_t y = (blocks + 65534) / 65535;
  return dim3(static_cast<unsigned>((blocks + y - 1) / y), static_cast<unsigned>(y));
}

__device__ __forceinline__ int64_t pj_global_thread() {
  return (static_cast<int64_t>(blockIdx.y) * gridDim.x + blockIdx.x) * blockDim.x + threadIdx.x;
}

/** A layout of the axes [from, to) of `l`, at offset 0. */
inline PjLayout pj_axes(const PjLayout& l, int from, int to) {
  PjLayout out{};
  out.offset = 0;
  out.dtype = l.dtype;
  out.rank = to - from;
  out.size = 1;
  for (int d = from; d < to; d++) {
    out.shape[d - from] = l.shape[d];
    out.strides[d - from] = l.strides[d];
    out.size *= l.shape[d];
  }
  return out;
}

/** Smallest power of two ≥ n, clamped to [32, limit]. */
inline int pj_block_size(int64_t n, int limit = 256) {
  int t = 32;
  while (t < n && t < limit) t *= 2;
  return t;
}

/** Sum (or other combine) over the block: every thread passes its value, every thread gets the result. */
template <class T, class Combine>
__device__ __forceinline__ T pj_block_reduce(T value, Combine combine, T* scratch /* 32 entries */) {
  for (int m = 16; m > 0; m >>= 1) value = combine(value, __shfl_xor_sync(0xffffffffu, value, m));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = (blockDim.x + 31) / 32;
  __syncthreads();  // scratch may still be read by an earlier reduction
  if (lane == 0) scratch[warp] = value;
  __syncthreads();
  value = scratch[0];
  for (int w = 1; w < warps; w++) value = combine(value, scratch[w]);
  return value;
}

struct PjSum {
  __device__ __forceinline__ double operator()(double a, double b) const { return a + b; }
};
struct PjMax {
  __device__ __forceinline__ double operator()(double a, double b) const { return (b > a || b != b) ? b : a; }
};
