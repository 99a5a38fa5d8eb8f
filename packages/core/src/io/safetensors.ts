/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8
 * JSON, then the tensor bytes. The header maps each tensor name to
 * `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the bytes after the header, which the
 * tensors must cover exactly, without holes or overlaps) and may hold `__metadata__`, a map of
 * strings. Values are little-endian, rows in C order. Plain TypeScript over Uint8Array: no Node
 * built-ins, so it runs in browsers too.
 */

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** F16 and BF16 arrive as their raw bits (Uint16Array; see half.ts to widen them); BOOL as 0/1 bytes. */
export type SafetensorsArray =
  | Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsArray;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** What `writeSafetensors` takes per tensor; dtype defaults from the array (Uint16Array needs F16 or BF16). */
export interface SafetensorsEntry {
  dtype?: SafetensorsDType;
  shape: readonly number[];
  data: SafetensorsArray;
}

type ArrayCtor = { new (buffer: ArrayBuffer): SafetensorsArray; readonly BYTES_PER_ELEMENT: number };

const ARRAYS: Record<SafetensorsDType, ArrayCtor> = {
  F64: Float64Array, F32: Float32Array, F16: Uint16Array, BF16: Uint16Array, I64: BigInt64Array,
  I32: Int32Array, I16: Int16Array, I8: Int8Array, U8: Uint8Array, BOOL: Uint8Array,
};

/** The spec's limit on the header size (100 MB), so that a corrupt length fails fast. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

function asBytes(input: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return fail(`expected a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
}

function isDType(value: unknown): value is SafetensorsDType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ARRAYS, value);
}

function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Copies `bytes` into a fresh, aligned buffer and views it as `dtype` (byte-swapping on big-endian hosts). */
function toArray(bytes: Uint8Array, dtype: SafetensorsDType): SafetensorsArray {
  const ctor = ARRAYS[dtype];
  const copy = Uint8Array.prototype.slice.call(bytes); // a Node Buffer's own slice() would share memory
  const width = ctor.BYTES_PER_ELEMENT;
  if (!LITTLE_ENDIAN && width > 1) for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse();
  return new ctor(copy.buffer);
}

/** Parses a safetensors file. Throws a `safetensors: ...` error naming the problem for malformed input. */
export function readSafetensors(input: Uint8Array | ArrayBuffer | ArrayBufferView): SafetensorsFile {
  const bytes = asBytes(input);
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header must be a JSON object');
  const body = bytes.subarray(8 + headerLength);
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (entry === null || typeof entry !== 'object') fail(`tensor '${name}': entry must be an object`);
    if (!isDType(entry.dtype)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(entry.dtype)} (supported: ${Object.keys(ARRAYS).join(', ')})`);
    const shape = checkShape(entry.shape, `tensor '${name}'`);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor '${name}': data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = numel(shape) * ARRAYS[entry.dtype].BYTES_PER_ELEMENT;
    if (end < begin || end - begin !== expected) {
      fail(`tensor '${name}': data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${entry.dtype} ${JSON.stringify(shape)} needs ${expected}`);
    }
    if (end > body.length) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the ${body.length} bytes of data`);
    spans.push({ name, begin, end });
    tensors.set(name, { dtype: entry.dtype, shape, data: toArray(body.subarray(begin, end), entry.dtype) });
  }
  // the tensors must tile the data exactly: no holes, no overlaps, nothing after the last one
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin !== at) fail(s.begin < at ? `tensor '${s.name}' overlaps the tensor before it` : `${s.begin - at} unused bytes before tensor '${s.name}'`);
    at = s.end;
  }
  if (at !== body.length) fail(`${body.length - at} bytes after the last tensor are not part of any tensor`);
  return { tensors, metadata };
}

function inferDType(data: SafetensorsArray, name: string): SafetensorsDType {
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

/** Serialises tensors (a Map, an object or [name, entry] pairs) and optional string metadata. */
export function writeSafetensors(
  entries: Map<string, SafetensorsEntry> | Record<string, SafetensorsEntry> | Iterable<readonly [string, SafetensorsEntry]>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list: [string, SafetensorsEntry][] =
    entries instanceof Map || Symbol.iterator in Object(entries)
      ? [...(entries as Iterable<readonly [string, SafetensorsEntry]>)].map(([k, v]) => [k, v])
      : Object.entries(entries as Record<string, SafetensorsEntry>);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') fail(`metadata '${k}' must be a string, got ${typeof v}`);
    header.__metadata__ = { ...metadata };
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, entry] of list) {
    if (name === '__metadata__') fail(`'__metadata__' is reserved and cannot name a tensor`);
    if (Object.prototype.hasOwnProperty.call(header, name)) fail(`tensor '${name}' is given twice`);
    const shape = checkShape(entry.shape, `tensor '${name}'`);
    const dtype = entry.dtype ?? inferDType(entry.data, name);
    if (!isDType(dtype)) fail(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)}`);
    if (!(entry.data instanceof ARRAYS[dtype])) {
      fail(`tensor '${name}': dtype ${dtype} needs a ${ARRAYS[dtype].name}, got ${Object.prototype.toString.call(entry.data)}`);
    }
    if (entry.data.length !== numel(shape)) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} needs ${numel(shape)} values, got ${entry.data.length}`);
    }
    const raw = new Uint8Array(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength).slice();
    const width = ARRAYS[dtype].BYTES_PER_ELEMENT;
    if (!LITTLE_ENDIAN && width > 1) for (let i = 0; i < raw.length; i += width) raw.subarray(i, i + width).reverse();
    header[name] = { dtype, shape, data_offsets: [offset, offset + raw.length] };
    chunks.push(raw);
    offset += raw.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // pad with spaces so the data starts 8-byte aligned
  if (padded !== json.length) {
    const spaced = new Uint8Array(padded).fill(0x20);
    spaced.set(json);
    json = spaced;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
