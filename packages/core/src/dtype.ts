/** Element types a tensor can hold. float16/bfloat16 exist only as storage formats (see half.ts). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export type StorageDType = DType | 'float16' | 'bfloat16';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;
export type DataFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

export function isFloat(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
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

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** PyTorch's promotion for two tensors: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

export function assertDType(value: unknown, op: string, arg: string): asserts value is DType {
  if (!DTYPES.includes(value as DType)) {
    throw new TypeError(`${op}: ${arg} must be one of ${DTYPES.join(', ')}, got ${String(value)}`);
  }
}
