// Philox 4x32-10 streams, word for word the CPU backend's (core/src/random/philox.ts): thread b
// computes block b = Philox(key, counter + b) and writes elements 4b..4b+3 of out in row-major order.
#include "common.cuh"
#include "kernel_ids.h"

namespace {

constexpr int kThreads = 256;
constexpr double kTwoPowM24 = 1.0 / 16777216.0;
constexpr double kTwoPi = 6.283185307179586;  // 2 * Math.PI, as the CPU backend forms it

__device__ __forceinline__ uint32_t mulhi(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>((static_cast<uint64_t>(a) * b) >> 32);
}

__device__ void philox_block(const PjArgs& a, int64_t block, uint32_t out[4]) {
  const uint64_t lo = static_cast<uint64_t>(static_cast<uint32_t>(a.i[2])) + static_cast<uint64_t>(block);
  uint32_t c0 = static_cast<uint32_t>(lo);
  uint32_t c1 = static_cast<uint32_t>(a.i[3]) + static_cast<uint32_t>(lo >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(a.i[0]), k1 = static_cast<uint32_t>(a.i[1]);
  for (int round = 0; round < 10; round++) {
    const uint32_t hi0 = mulhi(0xd2511f53u, c0), lo0 = 0xd2511f53u * c0;
    const uint32_t hi1 = mulhi(0xcd9e8d57u, c2), lo1 = 0xcd9e8d57u * c2;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += 0x9e3779b9u;
    k1 += 0xbb67ae85u;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

__device__ __forceinline__ double uniform(uint32_t w) { return static_cast<double>(w >> 8) * kTwoPowM24; }

/** kind 0 uniform (f0 low, f1 high), 1 normal (f0 mean, f1 std), 2 bernoulli (f0 p). */
__global__ void random_kernel(PjArgs a, int kind) {
  const int64_t b = pj_global_thread();
  const int64_t n = a.t[0].size;
  if (b * 4 >= n) return;
  uint32_t w[4];
  philox_block(a, b, w);
  for (int j = 0; j < 4 && b * 4 + j < n; j++) {
    double v;
    if (kind == 0) {
      v = a.f[0] + (a.f[1] - a.f[0]) * uniform(w[j]);
    } else if (kind == 1) {
      const int first = j - j % 2;
      const double u1 = (static_cast<double>(w[first] >> 8) + 1.0) * kTwoPowM24;
      const double u2 = uniform(w[first + 1]);
      const double r = sqrt(-2.0 * log(u1));
      const double theta = kTwoPi * u2;
      v = a.f[0] + a.f[1] * (j % 2 == 1 ? r * sin(theta) : r * cos(theta));
    } else {
      v = uniform(w[j]) < a.f[0] ? 1.0 : 0.0;
    }
    pj_store(a.ptr[0], a.t[0].dtype, pj_offset(a.t[0], b * 4 + j), v);
  }
}

int random(const PjArgs& a, int kind) {
  const int64_t blocks = (a.t[0].size + 3) / 4;
  if (blocks == 0) return 0;
  PJ_LAUNCH(random_kernel, pj_grid(blocks, kThreads), dim3(kThreads), a, kind);
  return 0;
}

}  // namespace

int pj_launch_randomUniform(const PjArgs& a) { return random(a, 0); }
int pj_launch_randomNormal(const PjArgs& a) { return random(a, 1); }
int pj_launch_randomBernoulli(const PjArgs& a) { return random(a, 2); }
