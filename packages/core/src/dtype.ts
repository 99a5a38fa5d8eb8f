/**
 * Element types a tensor can hold. float16 and bfloat16 are compute dtypes on backends that list
 * them in `capabilities.dtypes` (WebGPU); elsewhere they are storage formats widened to float32 on
 * the way in (see half.ts). On the host their values travel as a Float32Array (rounded on upload).
 */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'bool';
export type StorageDType = DType;
/** The half-precision dtypes. */
export type HalfDType = 'float16' | 'bfloat16';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export type DataFor<D extends DType> = D extends 'float32' | HalfDType
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'bool'];

const BYTES: Record<DType, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int32: 4, bool: 1 };

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** float32 or float64 (the full-precision floats). */
export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

export function isHalf(dtype: DType): dtype is HalfDType {
  return dtype === 'float16' || dtype === 'bfloat16';
}

/** Any floating-point dtype, half precision included. */
export function isFloatingPoint(dtype: DType): dtype is 'float32' | 'float64' | HalfDType {
  return isFloat(dtype) || isHalf(dtype);
}

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

export function arrayDType(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

/** Converts values to the typed array of `dtype` (rounding like a cast: floats truncate toward zero for int32). */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = allocArray(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    out[i] = dtype === 'bool' ? (v !== 0 ? 1 : 0) : v;
  }
  return out;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float16: 2, bfloat16: 2, float32: 3, float64: 4 };

/** PyTorch's promotion for two tensors: bool < int32 < float16, bfloat16 < float32 < float64; float16 with bfloat16 is float32. */
export function promoteTypes(a: DType, b: DType): DType {
  if (isHalf(a) && isHalf(b) && a !== b) return 'float32';
  return RANK[a] >= RANK[b] ? a : b;
}

export function assertDType(value: unknown, op: string, arg: string): asserts value is DType {
  if (!DTYPES.includes(value as DType)) {
    throw new TypeError(`${op}: ${arg} must be one of ${DTYPES.join(', ')}, got ${String(value)}`);
  }
}
