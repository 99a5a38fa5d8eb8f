// Conversions of the GEMM operand formats, bit-exact on host and device.
#pragma once
#include "common.cuh"

__device__ __forceinline__ float pj_bits_to_float(uint32_t bits) {
  float f;
  memcpy(&f, &bits, 4);
  return f;
}
__device__ __forceinline__ uint32_t pj_float_to_bits(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  return bits;
}

__device__ __forceinline__ float pj_bf16_to_float(uint16_t v) { return pj_bits_to_float(static_cast<uint32_t>(v) << 16); }

/** float to TF32 (10 explicit mantissa bits), rounding to nearest with ties away from zero (cvt.rna.tf32.f32). */
__device__ __forceinline__ float pj_round_tf32(float v) {
  const uint32_t bits = pj_float_to_bits(v);
  if ((bits & 0x7f800000u) == 0x7f800000u) return v;  // Inf and NaN unchanged
  return pj_bits_to_float((bits + 0x1000u) & 0xffffe000u);
}
