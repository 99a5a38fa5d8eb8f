import { describe, expect, it } from 'vitest';
import {
  loadSafetensorsFrom,
  memory,
  readSafetensors,
  type Tensor,
  writeSafetensors,
  type SafetensorsDType,
  type SafetensorsEntry,
  type SafetensorsFile,
} from '../src/index.js';
import { prng, type Prng } from './helpers/prng.js';
import { useStorageBackend } from './helpers/storage-backend.js';

// Thousands of seeded mutations of valid files: each must parse to a consistent result or throw an
// Error whose message starts with "safetensors:"; never another exception, a hang or a huge allocation.

const DTYPES: SafetensorsDType[] = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];
const WIDTH: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const ARRAY = {
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
} as const;

function validFile(r: Prng): Uint8Array<ArrayBuffer> {
  const entries: [string, SafetensorsEntry][] = [];
  const count = r.int(5);
  for (let i = 0; i < count; i++) {
    const dtype = r.pick(DTYPES);
    const shape = Array.from({ length: r.int(4) }, () => r.int(5));
    const numel = shape.reduce((a, b) => a * b, 1);
    const raw = new Uint8Array(numel * WIDTH[dtype]).map(() => r.int(256));
    if (dtype === 'BOOL') raw.forEach((_, j) => (raw[j] = raw[j]! & 1));
    entries.push([`${r.pick(['w', 'layer.', '0', 'é'])}${i}`, { dtype, shape, data: new ARRAY[dtype](raw.buffer) }]);
  }
  return writeSafetensors(entries, r.next() < 0.5 ? { format: 'pt', seed: String(r.int(100)) } : undefined);
}

const headerLength = (b: Uint8Array) => (b.length >= 8 ? Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)) : 0);
const JUNK: unknown[] = [
  -1,
  0,
  1,
  3,
  7,
  2 ** 31,
  2 ** 53,
  2 ** 64,
  1e300,
  0.5,
  -0,
  '4',
  null,
  true,
  [],
  {},
  [1, 2, 3],
  [2 ** 40, 2 ** 40],
  'F32',
  'F8_E5M2',
  'bf16',
];

/** Re-serialises the header after editing one field of one entry (offsets, dtype, shape) or the metadata. */
function editJson(b: Uint8Array, r: Prng): Uint8Array<ArrayBuffer> {
  const n = headerLength(b);
  const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as Record<string, Record<string, unknown>>;
  const names = Object.keys(header);
  const target = names.length ? header[r.pick(names)]! : header;
  const field = r.pick(['data_offsets', 'dtype', 'shape', 'data_offsets', 'shift', 'shift', 'extra', '__metadata__']);
  const value = r.next() < 0.3 ? r.pick(JUNK) : field === 'dtype' ? r.pick(DTYPES) : [r.int(64), r.int(64)];
  if (field === 'shift' && Array.isArray(target.data_offsets)) {
    // both ends move: the byte count still fits, the tiling does not
    const d = r.pick([-4, -2, -1, 1, 2, 4, 8]);
    target.data_offsets = (target.data_offsets as number[]).map((o) => o + d);
    if (r.next() < 0.5)
      for (const other of Object.values(header))
        if (Array.isArray(other.data_offsets)) other.data_offsets = other.data_offsets.map((o: number) => o + d);
  } else if (field === 'data_offsets' && Array.isArray(target.data_offsets) && r.next() < 0.5) {
    (target.data_offsets as number[])[r.int(2)]! += r.pick([-8, -1, 1, 2, 8]);
  } else target[field] = value;
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(r.int(8)));
  const out = new Uint8Array(8 + json.length + (b.length - 8 - n));
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(b.subarray(8 + n), 8 + json.length);
  return out;
}

function mutate(b: Uint8Array, r: Prng): Uint8Array<ArrayBuffer> {
  const out = b.slice();
  switch (r.int(8)) {
    case 0: // bit flips, mostly in the length and header
      for (let k = 1 + r.int(4); k > 0; k--) {
        const at = r.next() < 0.7 ? r.int(Math.min(out.length, 8 + headerLength(b))) : r.int(out.length);
        out[at]! ^= 1 << r.int(8);
      }
      return out;
    case 1: // truncation
      return out.subarray(0, r.int(out.length));
    case 2: {
      // header length edits
      const dv = new DataView(out.buffer);
      const n = BigInt(headerLength(b));
      const choices = [
        n + 1n,
        n - 1n,
        n + 8n,
        n - 8n,
        0n,
        2n ** 64n - 1n,
        100_000_000n,
        100_000_001n,
        BigInt(r.int(2 ** 31)),
        BigInt(out.length),
      ];
      dv.setBigUint64(0, BigInt.asUintN(64, r.pick(choices)), true);
      return out;
    }
    case 3:
    case 4:
      return editJson(b, r);
    case 5: {
      // random bytes over a range
      const at = r.int(out.length);
      for (let i = at; i < Math.min(out.length, at + 1 + r.int(16)); i++) out[i] = r.int(256);
      return out;
    }
    case 6: {
      // insert or delete bytes
      const at = r.int(out.length);
      const k = 1 + r.int(8);
      if (r.next() < 0.5) return new Uint8Array([...out.subarray(0, at), ...out.subarray(at + k)]);
      return new Uint8Array([...out.subarray(0, at), ...Array.from({ length: k }, () => r.int(256)), ...out.subarray(at)]);
    }
    default: // random bytes, sometimes behind a plausible length
      return new Uint8Array(r.int(64)).map((_, i) => (i === 0 ? r.int(64) : i < 8 ? 0 : r.int(256)));
  }
}

function expectSafetensorsError(e: unknown, what: string): void {
  expect(e, what).toBeInstanceOf(Error);
  expect((e as Error).message.startsWith('safetensors:'), `${what}: ${String(e)}`).toBe(true);
}

/** A parse that succeeded must be self-consistent and survive a write and read back unchanged. */
function expectConsistent(file: SafetensorsFile, input: Uint8Array, what: string): void {
  let bytes = 0;
  for (const [name, t] of file.tensors) {
    expect(t.data, `${what} ${name}`).toBeInstanceOf(ARRAY[t.dtype]);
    expect(t.data.length, `${what} ${name}`).toBe(t.shape.reduce((a, b) => a * b, 1));
    bytes += t.data.byteLength;
  }
  expect(bytes, what).toBe(input.length - 8 - headerLength(input)); // nothing beyond the input was allocated
  const again = readSafetensors(writeSafetensors(file.tensors, file.metadata));
  expect([...again.tensors.keys()].sort(), what).toEqual([...file.tensors.keys()].sort());
  expect(again.metadata, what).toEqual(file.metadata);
  for (const [name, t] of file.tensors) {
    const u = again.tensors.get(name)!;
    expect(new Uint8Array(u.data.buffer), `${what} ${name}`).toEqual(new Uint8Array(t.data.buffer));
  }
}

describe('safetensors fuzz', () => {
  it('5000 mutated files: a consistent result or a safetensors: error, never anything else', () => {
    const r = prng(0x5afe);
    const outcomes = { parsed: 0, rejected: 0 };
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 5000; i++) {
      const valid = validFile(r);
      const input = mutate(valid, r);
      const what = `case ${i}`;
      let file: SafetensorsFile | undefined;
      try {
        file = readSafetensors(input);
      } catch (e) {
        expectSafetensorsError(e, what);
        outcomes.rejected++;
        continue;
      }
      expectConsistent(file, input, what);
      outcomes.parsed++;
    }
    // both outcomes happen often, so the mutations reach past the first checks
    expect(outcomes.parsed).toBeGreaterThan(300);
    expect(outcomes.rejected).toBeGreaterThan(2500);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  }, 20_000);

  it('Blob and Response sources agree with the bytes reader and leave no tensors behind on failure', async () => {
    await useStorageBackend();
    const r = prng(0xb10b);
    for (let i = 0; i < 400; i++) {
      const input = mutate(validFile(r), r);
      const what = `case ${i}`;
      let expected: SafetensorsFile | Error;
      try {
        expected = readSafetensors(input);
      } catch (e) {
        expected = e as Error;
      }
      // a Response in chunks of random sizes, to cross every boundary
      const chunked = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < input.length;) {
            const k = 1 + r.int(24);
            controller.enqueue(input.slice(at, at + k));
            at += k;
          }
          controller.close();
        },
      });
      for (const source of [new Blob([input]), new Response(chunked)]) {
        const tensorsBefore = memory().numTensors;
        let loaded: Map<string, Tensor>;
        try {
          loaded = await loadSafetensorsFrom(source, { floatDType: 'float64' });
        } catch (e) {
          // I64 values outside int32 are a (RangeError) safetensors: error of the tensor conversion
          expectSafetensorsError(e, `${what} ${source.constructor.name}`);
          expect(memory().numTensors).toBe(tensorsBefore);
          if (!(expected instanceof Error)) expect(String(e)).toMatch(/outside int32's range/);
          continue;
        }
        expect(expected, `${what} ${source.constructor.name}`).not.toBeInstanceOf(Error);
        const file = expected as SafetensorsFile;
        expect([...loaded.keys()].sort()).toEqual([...file.tensors.keys()].sort());
        for (const [name, t] of loaded) {
          expect(t.shape).toEqual(file.tensors.get(name)!.shape);
          t.dispose();
        }
        expect(memory().numTensors).toBe(tensorsBefore);
      }
    }
  }, 20_000);
});
