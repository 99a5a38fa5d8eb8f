import type { DType } from '../dtype.js';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from '../half.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { littleEndianBytes, type SafetensorsArray, type SafetensorsDType } from './safetensors-dtypes.js';
import { fail } from './safetensors-header.js';
import { planSafetensors } from './safetensors-layout.js';
import { readSafetensors, type SafetensorsTensor } from './safetensors.js';

export interface SafetensorsLoadOptions {
  /** Float tensors (F64, F32, F16, BF16) become this dtype; default float32, as model weights compute in it. */
  floatDType?: 'float32' | 'float64';
}

/**
 * One stored tensor as a Tensor: floats as `floatDType` (F16/BF16 widened), integers as int32
 * (I64 values outside int32's range are an error), BOOL as bool.
 */
export function tensorFromSafetensors(name: string, entry: SafetensorsTensor, options: SafetensorsLoadOptions = {}): Tensor {
  const floatDType = options.floatDType ?? 'float32';
  const shape = entry.shape;
  switch (entry.dtype) {
    case 'F64':
    case 'F32':
      return tensor(entry.data as Float32Array | Float64Array, { shape, dtype: floatDType });
    case 'F16':
      return tensor(float16BitsToFloat32(entry.data as Uint16Array), { shape, dtype: floatDType });
    case 'BF16':
      return tensor(bfloat16BitsToFloat32(entry.data as Uint16Array), { shape, dtype: floatDType });
    case 'I64': {
      const wide = entry.data as BigInt64Array;
      const narrow = new Int32Array(wide.length);
      for (let i = 0; i < wide.length; i++) {
        const v = wide[i]!;
        if (v > 2147483647n || v < -2147483648n) {
          throw new RangeError(`safetensors: tensor '${name}' (I64) holds ${v} at index ${i}, outside int32's range`);
        }
        narrow[i] = Number(v);
      }
      return tensor(narrow, { shape, dtype: 'int32' });
    }
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U8':
      return tensor(Int32Array.from(entry.data as ArrayLike<number>), { shape, dtype: 'int32' });
    case 'BOOL':
      return tensor(entry.data as Uint8Array, { shape, dtype: 'bool' });
  }
}

/** Parses safetensors bytes into tensors by name (see `tensorFromSafetensors` for the dtype mapping). */
export function loadSafetensors(
  bytes: Uint8Array | ArrayBuffer | ArrayBufferView,
  options: SafetensorsLoadOptions = {},
): Map<string, Tensor> {
  const file = readSafetensors(bytes);
  const out = new Map<string, Tensor>();
  try {
    for (const [name, entry] of file.tensors) out.set(name, tensorFromSafetensors(name, entry, options));
  } catch (e) {
    for (const t of out.values()) t.dispose();
    throw e;
  }
  return out;
}

const STORED: Record<DType, SafetensorsDType> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int32: 'I32',
  bool: 'BOOL',
};

type TensorsInput = ReadonlyMap<string, Tensor> | Record<string, Tensor>;

/**
 * The file as a sequence of chunks: the header, then each tensor's bytes, read back (asynchronously,
 * so any backend works) one tensor at a time. The layout is planned before any tensor is read.
 */
export function safetensorsChunks(
  tensors: TensorsInput,
  metadata?: Record<string, string>,
): { byteLength: number; chunks: AsyncIterable<Uint8Array> } {
  const list: [string, Tensor][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const plan = planSafetensors(
    list.map(([name, t]) => {
      const dtype = STORED[t?.dtype as DType];
      if (dtype === undefined) fail(`tensor '${name}': expected a Tensor of a storable dtype, got ${t?.dtype ?? String(t)}`);
      return [name, { dtype, shape: t.shape }] as const;
    }),
    metadata,
  );
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield plan.header;
    for (const { index, name, byteLength } of plan.tensors) {
      const t = list[index]![1];
      const values = await t.data();
      // half tensors read back widened to float32: narrow them to their stored bits again (exact)
      const data = (
        t.dtype === 'float16' ? float32ToFloat16Bits(values) : t.dtype === 'bfloat16' ? float32ToBfloat16Bits(values) : values
      ) as SafetensorsArray;
      const bytes = littleEndianBytes(data);
      if (bytes.length !== byteLength) fail(`tensor '${name}': read back ${bytes.length} bytes, expected ${byteLength}`);
      yield bytes;
    }
  }
  return { byteLength: plan.header.length + plan.dataLength, chunks: chunks() };
}

/** Serialises tensors to safetensors bytes (the reference writer's layout, see `planSafetensors`). */
export async function saveSafetensors(tensors: TensorsInput, metadata?: Record<string, string>): Promise<Uint8Array<ArrayBuffer>> {
  const { byteLength, chunks } = safetensorsChunks(tensors, metadata);
  const out = new Uint8Array(byteLength);
  let at = 0;
  for await (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
