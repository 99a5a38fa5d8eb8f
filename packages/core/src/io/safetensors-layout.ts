/**
 * How a safetensors file is laid out on write, as the reference (Rust) writer does it, so files it
 * wrote come back byte for byte: tensors sorted by dtype (widest first, in its enum order), then by
 * name; the header lists `__metadata__` first, then the tensors in data order, as compact JSON padded
 * with spaces to a multiple of 8 bytes, so the data starts 8-byte aligned.
 */
import { fail } from './safetensors-header.js';
import {
  compareNames,
  dtypeBytes,
  isSafetensorsDType,
  SAFETENSORS_ARRAYS,
  SAFETENSORS_WRITE_RANK,
  type SafetensorsArray,
  type SafetensorsDType,
} from './safetensors-dtypes.js';

/** What `writeSafetensors` takes per tensor; dtype defaults from the array (Uint16Array needs F16 or BF16). */
export interface SafetensorsEntry {
  dtype?: SafetensorsDType;
  shape: readonly number[];
  data: SafetensorsArray;
}

/** A tensor's stored dtype and shape: all that the layout needs, before any data is read. */
export interface SafetensorsSpec {
  dtype: SafetensorsDType;
  shape: readonly number[];
}

export interface SafetensorsPlan {
  /** The file's first bytes: the 8-byte length and the padded header JSON. */
  header: Uint8Array;
  /** In data order; `index` is the tensor's position in the list given to `planSafetensors`. */
  tensors: { index: number; name: string; dtype: SafetensorsDType; shape: number[]; byteLength: number }[];
  dataLength: number;
}

function checkShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor '${name}': shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...(shape as number[])];
}

/** Lays out tensors given by name, dtype and shape; validates names, dtypes, shapes and metadata. */
export function planSafetensors(
  specs: readonly (readonly [string, SafetensorsSpec])[],
  metadata?: Record<string, string>,
): SafetensorsPlan {
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') fail(`metadata must be an object of strings, got ${String(metadata)}`);
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') fail(`metadata '${k}' must be a string, got ${typeof v}`);
  }
  const seen = new Set<string>();
  const tensors = specs.map(([name, spec], index) => {
    if (typeof name !== 'string') fail(`tensor names must be strings, got ${typeof name}`);
    if (name === '__metadata__') fail(`'__metadata__' is reserved and cannot name a tensor`);
    if (seen.has(name)) fail(`tensor '${name}' is given twice`);
    seen.add(name);
    if (!isSafetensorsDType(spec.dtype)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(spec.dtype)}`);
    const shape = checkShape(name, spec.shape);
    const byteLength = shape.reduce((a, b) => a * b, dtypeBytes(spec.dtype));
    if (!Number.isSafeInteger(byteLength)) fail(`tensor '${name}': ${spec.dtype} shape ${JSON.stringify(shape)} is too large`);
    return { index, name, dtype: spec.dtype, shape, byteLength };
  });
  tensors.sort((a, b) => SAFETENSORS_WRITE_RANK[b.dtype] - SAFETENSORS_WRITE_RANK[a.dtype] || compareNames(a.name, b.name));
  // written entry by entry: an object would move integer-like names first
  const parts = metadata === undefined ? [] : [`"__metadata__":${JSON.stringify(metadata)}`];
  let offset = 0;
  for (const t of tensors) {
    parts.push(
      `${JSON.stringify(t.name)}:${JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.byteLength] })}`,
    );
    offset += t.byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  return { header: bytes, tensors, dataLength: offset };
}

/** The dtype an array is stored as when none is given. */
export function inferDType(data: SafetensorsArray, name: string): SafetensorsDType {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint8Array) return 'U8';
  if (data instanceof Uint16Array) fail(`tensor '${name}': a Uint16Array needs dtype 'F16' or 'BF16'`);
  return fail(`tensor '${name}': data must be a typed array, got ${Object.prototype.toString.call(data)}`);
}

/** An entry's stored dtype and shape, checked against its data. */
export function specOf(name: string, entry: SafetensorsEntry): SafetensorsSpec {
  if (entry === null || typeof entry !== 'object') fail(`tensor '${name}': entry must be an object, got ${String(entry)}`);
  const dtype = entry.dtype ?? inferDType(entry.data, name);
  if (!isSafetensorsDType(dtype)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}`);
  if (!(entry.data instanceof SAFETENSORS_ARRAYS[dtype])) {
    fail(`tensor '${name}': dtype ${dtype} needs a ${SAFETENSORS_ARRAYS[dtype].name}, got ${Object.prototype.toString.call(entry.data)}`);
  }
  const shape = checkShape(name, entry.shape);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (entry.data.length !== numel) fail(`tensor '${name}': shape ${JSON.stringify(shape)} needs ${numel} values, got ${entry.data.length}`);
  return { dtype, shape };
}
