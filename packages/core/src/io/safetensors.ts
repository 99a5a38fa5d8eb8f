/**
 * The safetensors format (Hugging Face) over bytes in memory: `readSafetensors` and `writeSafetensors`.
 * Values are little-endian, rows in C order; the header is described in safetensors-header.ts. Plain
 * TypeScript over Uint8Array: no Node built-ins, so it runs in browsers too.
 */
import { fail, parseSafetensorsHeader, readHeaderLength } from './safetensors-header.js';
import { littleEndianBytes, viewAsDType, type SafetensorsArray, type SafetensorsDType } from './safetensors-dtypes.js';
import { planSafetensors, specOf, type SafetensorsEntry } from './safetensors-layout.js';

export type { SafetensorsArray, SafetensorsDType } from './safetensors-dtypes.js';
export type { SafetensorsEntry } from './safetensors-layout.js';
export {
  parseSafetensorsHeader,
  readHeaderLength,
  MAX_HEADER_BYTES,
  type SafetensorsHeader,
  type SafetensorsTensorInfo,
} from './safetensors-header.js';
export { planSafetensors, type SafetensorsPlan } from './safetensors-layout.js';

export interface SafetensorsTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsArray;
}

export interface SafetensorsFile {
  /** In the header's order. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

function asBytes(input: Uint8Array | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return fail(`expected a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`);
}

/**
 * Parses a safetensors file. The whole header is validated before any tensor is copied out; each
 * tensor gets its own aligned buffer. Throws a `safetensors: ...` error naming the problem.
 */
export function readSafetensors(input: Uint8Array | ArrayBuffer | ArrayBufferView): SafetensorsFile {
  const bytes = asBytes(input);
  const n = readHeaderLength(bytes.subarray(0, 8), bytes.length);
  const header = parseSafetensorsHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [
    name,
    {
      dtype,
      shape,
      dataOffsets: [begin, end],
    },
  ] of header.tensors) {
    // Uint8Array.prototype.slice: a Node Buffer's own slice() would share memory
    const copy = Uint8Array.prototype.slice.call(bytes, header.dataStart + begin, header.dataStart + end);
    tensors.set(name, { dtype, shape, data: viewAsDType(copy, dtype) });
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Serialises tensors (a Map, an object or [name, entry] pairs) and optional string metadata, laid out
 * as the reference writer does (see `planSafetensors`), so a file it wrote comes back byte for byte.
 */
export function writeSafetensors(
  entries: Map<string, SafetensorsEntry> | Record<string, SafetensorsEntry> | Iterable<readonly [string, SafetensorsEntry]>,
  metadata?: Record<string, string>,
): Uint8Array<ArrayBuffer> {
  const list: [string, SafetensorsEntry][] =
    entries instanceof Map || Symbol.iterator in Object(entries)
      ? [...(entries as Iterable<readonly [string, SafetensorsEntry]>)].map(([k, v]) => [k, v])
      : Object.entries(entries as Record<string, SafetensorsEntry>);
  const plan = planSafetensors(
    list.map(([name, entry]) => [name, specOf(name, entry)] as const),
    metadata,
  );
  const out = new Uint8Array(plan.header.length + plan.dataLength);
  out.set(plan.header);
  let at = plan.header.length;
  for (const { index } of plan.tensors) {
    const raw = littleEndianBytes(list[index]![1].data);
    out.set(raw, at);
    at += raw.length;
  }
  return out;
}
