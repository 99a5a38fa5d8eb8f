// The unary and binary op codes (core's UNARY_OPS and ARITHMETIC_OPS + COMPARE_OPS order) on double
// values, with JavaScript's semantics where C's differ (Math.pow, Math.max/min with NaN and zeros).
#pragma once
#include "common.cuh"

enum PjUnaryOp {
  U_NEG, U_ABS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_RECIPROCAL, U_SQUARE, U_SIN, U_COS, U_TANH,
  U_SIGMOID, U_RELU, U_GELU, U_GELU_TANH, U_SILU, U_SIGN, U_ERF
};
enum PjBinaryOp { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE };

__device__ __forceinline__ double pj_sigmoid(double x) {
  // only e^(−|x|) is formed, so large |x| cannot overflow
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const double e = exp(x);
  return e / (1.0 + e);
}

__device__ __forceinline__ double pj_unary(int op, double x) {
  switch (op) {
    case U_NEG: return -x;
    case U_ABS: return fabs(x);
    case U_EXP: return exp(x);
    case U_LOG: return log(x);
    case U_SQRT: return sqrt(x);
    case U_RSQRT: return 1.0 / sqrt(x);
    case U_RECIPROCAL: return 1.0 / x;
    case U_SQUARE: return x * x;
    case U_SIN: return sin(x);
    case U_COS: return cos(x);
    case U_TANH: return tanh(x);
    case U_SIGMOID: return pj_sigmoid(x);
    case U_RELU: return (x != x || x > 0) ? x : 0.0;
    case U_GELU: return 0.5 * x * (1.0 + erf(x * 0.70710678118654752440));
    case U_GELU_TANH: return 0.5 * x * (1.0 + tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
    case U_SILU: return x * pj_sigmoid(x);
    case U_SIGN: return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
    case U_ERF: return erf(x);
    default: return NAN;
  }
}

/** int32 results: as the double op then ToInt32, except square, whose product must wrap exactly. */
__device__ __forceinline__ double pj_unary_int(int op, double x) {
  if (op == U_SQUARE) {
    const uint32_t v = static_cast<uint32_t>(static_cast<int32_t>(x));
    return static_cast<int32_t>(v * v);
  }
  return pj_unary(op, x);
}

/** Math.pow: NaN exponent gives NaN, and (±1)^±Infinity is NaN (C's pow gives 1 for both). */
__device__ __forceinline__ double pj_pow(double a, double b) {
  if (b != b) return NAN;
  if (fabs(a) == 1.0 && (b == INFINITY || b == -INFINITY)) return NAN;
  return pow(a, b);
}

/** Math.max/min: NaN wins, and +0 is above −0. */
__device__ __forceinline__ double pj_maximum(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == 0 && b == 0) return signbit(a) ? b : a;
  return a > b ? a : b;
}
__device__ __forceinline__ double pj_minimum(double a, double b) {
  if (a != a || b != b) return NAN;
  if (a == 0 && b == 0) return signbit(a) ? a : b;
  return a < b ? a : b;
}

__device__ __forceinline__ double pj_binary(int op, double a, double b) {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_POW: return pj_pow(a, b);
    case B_MAXIMUM: return pj_maximum(a, b);
    case B_MINIMUM: return pj_minimum(a, b);
    case B_EQ: return a == b ? 1.0 : 0.0;
    case B_NE: return a != b ? 1.0 : 0.0;
    case B_LT: return a < b ? 1.0 : 0.0;
    case B_LE: return a <= b ? 1.0 : 0.0;
    case B_GT: return a > b ? 1.0 : 0.0;
    case B_GE: return a >= b ? 1.0 : 0.0;
    default: return NAN;
  }
}

/** int32 products wrap (Math.imul); the rest is the double op then ToInt32 on store. */
__device__ __forceinline__ double pj_binary_int(int op, double a, double b) {
  if (op == B_MUL) {
    const uint32_t x = static_cast<uint32_t>(static_cast<int32_t>(a)), y = static_cast<uint32_t>(static_cast<int32_t>(b));
    return static_cast<int32_t>(x * y);
  }
  return pj_binary(op, a, b);
}
