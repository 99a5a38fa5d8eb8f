/** The safetensors dtypes peft.js reads and writes, their typed arrays and byte widths. */

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** F16 and BF16 arrive as their raw bits (Uint16Array; see half.ts to widen them); BOOL as 0/1 bytes. */
export type SafetensorsArray = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

type ArrayCtor = { new (buffer: ArrayBuffer): SafetensorsArray; readonly BYTES_PER_ELEMENT: number; readonly name: string };

export const SAFETENSORS_ARRAYS: Readonly<Record<SafetensorsDType, ArrayCtor>> = {
  F64: Float64Array,
  F32: Float32Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I64: BigInt64Array,
  I32: Int32Array,
  I16: Int16Array,
  I8: Int8Array,
  U8: Uint8Array,
  BOOL: Uint8Array,
};

/**
 * Where each dtype sorts in the reference writer, which lays tensors out by descending rank, then by
 * name: its dtype enum runs BOOL, U8, I8, (F8 kinds), I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64.
 */
export const SAFETENSORS_WRITE_RANK: Readonly<Record<SafetensorsDType, number>> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  I16: 5,
  F16: 7,
  BF16: 8,
  I32: 9,
  F32: 11,
  F64: 12,
  I64: 13,
};

export const SAFETENSORS_DTYPES = Object.keys(SAFETENSORS_ARRAYS) as SafetensorsDType[];

export function isSafetensorsDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_ARRAYS, value);
}

export const dtypeBytes = (dtype: SafetensorsDType): number => SAFETENSORS_ARRAYS[dtype].BYTES_PER_ELEMENT;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `width`-byte element in place on big-endian hosts (the file is little-endian). */
export function toHostOrder(bytes: Uint8Array, width: number): void {
  if (LITTLE_ENDIAN || width === 1) return;
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** The little-endian bytes of `data`: a view on little-endian hosts, a swapped copy elsewhere. */
export function littleEndianBytes(data: SafetensorsArray): Uint8Array {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return raw;
  const copy = raw.slice();
  toHostOrder(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/** Views `bytes` (which must own its whole, fresh buffer) as `dtype`, in host byte order. */
export function viewAsDType(bytes: Uint8Array, dtype: SafetensorsDType): SafetensorsArray {
  const ctor = SAFETENSORS_ARRAYS[dtype];
  toHostOrder(bytes, ctor.BYTES_PER_ELEMENT);
  return new ctor(bytes.buffer as ArrayBuffer);
}

/** A's name before B's in the reference writer's order: by UTF-8 bytes, i.e. by code points. */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length - i - (b.length - j);
}
