// Emulation of the CUDA execution model on the host, so the .cu kernels compile as plain C++ and
// run (slowly) on a machine without a GPU. A launch runs its blocks one after another; the threads
// of a block run as cooperative fibers on one OS thread, switching only at barriers, so
// __syncthreads(), __syncwarp() and warp shuffles behave as on the GPU. `__shared__` becomes a
// function-local static: one copy, reused by each block in turn. Atomics are plain read-modify-write
// (fibers never preempt each other).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;

namespace emu {

constexpr int kWarpSize = 32;

/** Runs `body` once per thread of every block of `grid`; returns when all have finished. */
void launch(dim3 grid, dim3 block, const std::function<void()>& body);
/** Block-wide barrier (threads that have returned count as arrived). */
void syncthreads();
/** Barrier of the calling thread's warp. */
void syncwarp();
/** Publishes 8 bytes for the warp and returns lane `src`'s (after a warp barrier on each side). */
uint64_t exchange(uint64_t value, int src);
int lane();

template <class T>
T shuffle(T value, int src) {
  static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  bits = exchange(bits, src);
  T out;
  std::memcpy(&out, &bits, sizeof(T));
  return out;
}

}  // namespace emu

#define __syncthreads() ::emu::syncthreads()
#define __syncwarp(...) ::emu::syncwarp()

template <class T>
inline T __shfl_sync(unsigned, T v, int src, int width = emu::kWarpSize) {
  int lane = emu::lane();
  return emu::shuffle(v, (lane / width) * width + (src % width));
}
template <class T>
inline T __shfl_xor_sync(unsigned, T v, int mask, int width = emu::kWarpSize) {
  int lane = emu::lane();
  int src = lane ^ mask;
  if (src / width != lane / width) src = lane;
  return emu::shuffle(v, src);
}
template <class T>
inline T __shfl_down_sync(unsigned, T v, unsigned delta, int width = emu::kWarpSize) {
  int lane = emu::lane();
  int src = lane + static_cast<int>(delta);
  if (src / width != lane / width) src = lane;
  return emu::shuffle(v, src);
}

template <class T>
inline T atomicAdd(T* address, T value) {
  T old = *address;
  *address = old + value;
  return old;
}
inline int atomicCAS(int* address, int compare, int value) {
  int old = *address;
  if (old == compare) *address = value;
  return old;
}
inline int atomicExch(int* address, int value) {
  int old = *address;
  *address = value;
  return old;
}

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
// Single float operations rounded to nearest, never contracted into an FMA (the build also passes
// -ffp-contract=off), as nvcc guarantees for these intrinsics.
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __int_as_float(int x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}
inline int __float_as_int(float x) {
  int i;
  std::memcpy(&i, &x, 4);
  return i;
}
