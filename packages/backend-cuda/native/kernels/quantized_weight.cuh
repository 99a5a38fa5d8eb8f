// Decoding of a quantized weight W [rows, cols] (core's QuantizedWeightInfo): element i = r·cols + c
// is in block ⌊i / blockSize⌋ and is
//   nf4:  codeMap[4-bit code i] · absmax(block)            (code i at bits 4·(i mod 8) of word ⌊i / 8⌋)
//   int8: (signed byte i) · fround(absmax(block) / 127)     (byte i at bits 8·(i mod 4) of word ⌊i / 4⌋)
// with absmax(b) = absmax[b], or double-quantized fround(fround(nestedMap[byte b of nestedCodes] ·
// nestedAbsmax[⌊b / nestedBlock⌋]) + offset). Every step is one float32 operation rounded to nearest
// (the __f*_rn intrinsics: never contracted into an FMA), so the values match the CPU reference bit for bit.
#pragma once
#include "common.cuh"

enum PjQuantFormat { PJ_QUANT_NF4 = 0, PJ_QUANT_INT8 = 1 };

/** The weight's buffers (each already at its layout offset) and its geometry. */
struct PjQuantWeight {
  int64_t rows, cols, block, nested_block;
  const int32_t* codes;
  const float* code_map;  // nf4 only
  const float* absmax;    // null when double-quantized
  const int32_t* nested_codes;
  const float* nested_map;
  const float* nested_absmax;
  const float* nested_offset;  // one value
};

/** Slots of a launch: codes, codeMap, absmax, nested codes, nested codeMap, nested absmax, nested offset from t[first]. */
inline PjQuantWeight pj_quant_weight(const PjArgs& a, int first) {
  const auto f32 = [&](int k) { return a.ptr[first + k] ? static_cast<const float*>(a.ptr[first + k]) + a.t[first + k].offset : nullptr; };
  const auto i32 = [&](int k) { return a.ptr[first + k] ? static_cast<const int32_t*>(a.ptr[first + k]) + a.t[first + k].offset : nullptr; };
  PjQuantWeight w{};
  w.rows = a.i[1];
  w.cols = a.i[2];
  w.block = a.i[3];
  w.nested_block = a.i[4];
  w.codes = i32(0);
  w.code_map = f32(1);
  w.absmax = f32(2);
  w.nested_codes = i32(3);
  w.nested_map = f32(4);
  w.nested_absmax = f32(5);
  w.nested_offset = f32(6);
  return w;
}

__device__ __forceinline__ uint32_t pj_quant_byte(const int32_t* words, int64_t i) {
  return (static_cast<uint32_t>(words[i >> 2]) >> ((i & 3) << 3)) & 255u;
}

/** Element i of W (row-major) as float32, for one format and absmax storage. */
template <int Format, bool Nested>
struct PjQuantLoad {
  PjQuantWeight w;

  __device__ __forceinline__ float block_absmax(int64_t b) const {
    if (!Nested) return w.absmax[b];
    const float scale = w.nested_absmax[b / w.nested_block];
    return __fadd_rn(__fmul_rn(w.nested_map[pj_quant_byte(w.nested_codes, b)], scale), w.nested_offset[0]);
  }

  __device__ __forceinline__ float operator()(int64_t i) const {
    const float absmax = block_absmax(i / w.block);
    if (Format == PJ_QUANT_NF4) {
      const uint32_t code = (static_cast<uint32_t>(w.codes[i >> 3]) >> ((i & 7) << 2)) & 15u;
      return __fmul_rn(w.code_map[code], absmax);
    }
    const int32_t value = static_cast<int8_t>(static_cast<uint8_t>(pj_quant_byte(w.codes, i)));
    return __fmul_rn(static_cast<float>(value), __fdiv_rn(absmax, 127.0f));
  }
};

/** Why the weight's buffers do not fit `format` (PjQuantFormat), or null. */
inline const char* pj_quant_mismatch(int64_t format, const PjQuantWeight& w) {
  if (format != PJ_QUANT_NF4 && format != PJ_QUANT_INT8) return "unknown format (0 nf4 and 1 int8 are known)";
  if (!w.codes) return "no codes buffer";
  if (format == PJ_QUANT_NF4 && !w.code_map) return "an nf4 weight without its code map";
  if (w.block <= 0) return "block size must be positive";
  if (!w.absmax && (!w.nested_codes || !w.nested_map || !w.nested_absmax || !w.nested_offset || w.nested_block <= 0)) {
    return "neither an absmax buffer nor all the buffers of double quantization";
  }
  return nullptr;
}

/** Calls `f` with the loader of `format` and the weight's absmax storage (checked by pj_quant_mismatch first). */
template <class F>
void pj_with_quant_load(int64_t format, const PjQuantWeight& w, F&& f) {
  const bool nested = w.absmax == nullptr;
  if (format == PJ_QUANT_NF4) {
    if (nested) f(PjQuantLoad<PJ_QUANT_NF4, true>{w});
    else f(PjQuantLoad<PJ_QUANT_NF4, false>{w});
  } else if (nested) {
    f(PjQuantLoad<PJ_QUANT_INT8, true>{w});
  } else {
    f(PjQuantLoad<PJ_QUANT_INT8, false>{w});
  }
}
