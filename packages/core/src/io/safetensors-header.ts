/**
 * The safetensors header: an 8-byte little-endian length N, then N bytes of UTF-8 JSON mapping each
 * tensor name to `{ dtype, shape, data_offsets: [begin, end] }` (offsets into the bytes after the
 * header, which the tensors must tile exactly from 0, without holes or overlaps), plus an optional
 * `__metadata__` object of strings. Everything here is checked before any tensor memory is allocated,
 * so a corrupt or hostile file fails fast with a `safetensors: ...` error.
 */
import { dtypeBytes, isSafetensorsDType, SAFETENSORS_DTYPES, type SafetensorsDType } from './safetensors-dtypes.js';
import { parseStrictJson, type JsonObject, type JsonValue } from './strict-json.js';

export interface SafetensorsTensorInfo {
  dtype: SafetensorsDType;
  shape: number[];
  /** [begin, end) in the data section (after the 8-byte length and the header). */
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Where the data section starts in the file: 8 + the header length. */
  dataStart: number;
  /** Bytes in the data section (the end of the last tensor). */
  dataLength: number;
  metadata: Record<string, string>;
  /** In the header's order (which the reference writer makes the data order). */
  tensors: Map<string, SafetensorsTensorInfo>;
}

/** The spec's limit on the header size (100 MB), so that a corrupt length fails fast. */
export const MAX_HEADER_BYTES = 100_000_000;

export function fail(message: string): never {
  throw new Error(`safetensors: ${message}`);
}

const isObject = (v: JsonValue | undefined): v is JsonObject => v instanceof Map;
const show = (v: JsonValue | undefined): string =>
  v === undefined ? 'nothing' : JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : x));

/**
 * The header length from the file's first 8 bytes, checked against the limit and, when known, the
 * file size. Returns the header's byte count N (the data starts at 8 + N).
 */
export function readHeaderLength(first8: Uint8Array, fileSize?: number): number {
  if (first8.length < 8) fail(`file is ${first8.length} bytes, shorter than the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  const length = Number(n);
  if (fileSize !== undefined && 8 + length > fileSize) fail(`header length ${length} runs past the end of the ${fileSize}-byte file`);
  return length;
}

/** Byte count of `shape` in `dtype`, or an error when it passes 2^53 (no silent float rounding). */
function byteCount(name: string, dtype: SafetensorsDType, shape: number[]): number {
  if (shape.includes(0)) return 0;
  let n = dtypeBytes(dtype);
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) fail(`tensor '${name}': ${dtype} shape ${JSON.stringify(shape)} overflows: more than 2^53 bytes`);
  }
  return n;
}

function tensorInfo(name: string, value: JsonValue, dataLength: number | undefined): SafetensorsTensorInfo {
  if (!isObject(value)) fail(`tensor '${name}': entry must be an object, got ${show(value)}`);
  const dtype = value.get('dtype');
  if (!isSafetensorsDType(dtype)) fail(`tensor '${name}': unsupported dtype ${show(dtype)} (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
  const shape = value.get('shape');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`tensor '${name}': shape must be an array of non-negative integers, got ${show(shape)}`);
  }
  const offsets = value.get('data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
    fail(`tensor '${name}': data_offsets must be two non-negative integers, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const dims = shape as number[];
  const expected = byteCount(name, dtype, dims);
  if (end < begin || end - begin !== expected) {
    fail(
      `tensor '${name}': data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${JSON.stringify(dims)} needs ${expected}`,
    );
  }
  if (dataLength !== undefined && end > dataLength) {
    fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the ${dataLength} bytes of data`);
  }
  return { dtype, shape: [...dims], dataOffsets: [begin, end] };
}

function metadataOf(value: JsonValue): Record<string, string> {
  if (!isObject(value)) fail(`__metadata__ must be an object of strings, got ${show(value)}`);
  const out: Record<string, string> = {};
  for (const [k, v] of value) {
    if (typeof v !== 'string') fail(`__metadata__.${k} must be a string, got ${show(v)}`);
    // defineProperty, so a key named "__proto__" is data, not a prototype
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Parses and validates the header JSON (`headerBytes`: the N bytes after the length). With
 * `dataLength` (the file's size minus 8 + N) the tensors must cover exactly that many bytes; without
 * it (a stream of unknown length) the data length is where the last tensor ends.
 */
export function parseSafetensorsHeader(headerBytes: Uint8Array, dataLength?: number): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch (e) {
    return fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  let json: JsonValue;
  try {
    json = parseStrictJson(text);
  } catch (e) {
    return fail(`header is not valid UTF-8 JSON (${(e as Error).message.replace(/^safetensors: /, '')})`);
  }
  if (!isObject(json)) fail(`header must be a JSON object, got ${Array.isArray(json) ? 'an array' : show(json)}`);
  let metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensorInfo>();
  for (const [name, value] of json) {
    if (name === '__metadata__') metadata = metadataOf(value);
    else tensors.set(name, tensorInfo(name, value, dataLength));
  }
  // the tensors must tile the data exactly: from 0, no holes, no overlaps, nothing after the last one
  const spans = [...tensors].sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let at = 0;
  for (const [
    name,
    {
      dataOffsets: [begin, end],
    },
  ] of spans) {
    if (begin < at) fail(`tensor '${name}' overlaps the tensor before it (data_offsets [${begin}, ${end}] start before ${at})`);
    if (begin > at) fail(`${begin - at} unused bytes before tensor '${name}' (data_offsets [${begin}, ${end}], previous end ${at})`);
    at = end;
  }
  if (dataLength !== undefined && at !== dataLength) fail(`${dataLength - at} bytes after the last tensor are not part of any tensor`);
  return { dataStart: 8 + headerBytes.length, dataLength: at, metadata, tensors };
}
