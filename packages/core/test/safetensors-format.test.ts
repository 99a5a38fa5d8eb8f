import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from '../src/index.js';
import { rawFile } from './helpers/raw-file.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const headerOf = (bytes: Uint8Array) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, json: text(bytes.subarray(8, 8 + n)) };
};
describe('safetensors format', () => {
  it('round-trips every HF dtype with exact values, metadata and 8-byte header alignment', () => {
    const entries: Record<string, SafetensorsEntry> = {
      f64: { shape: [3], data: new Float64Array([1.5, -2.25, Number.MIN_VALUE]) },
      f32: { shape: [2, 2], data: new Float32Array([1, -0, Infinity, NaN]) },
      f16: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xfbff]) },
      bf16: { dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0x7f80]) },
      i64: { shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
      i32: { shape: [], data: new Int32Array([-(2 ** 31)]) },
      i16: { shape: [2], data: new Int16Array([-32768, 32767]) },
      i8: { shape: [3], data: new Int8Array([-128, 0, 127]) },
      u8: { shape: [1, 1], data: new Uint8Array([255]) },
      bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
      empty: { shape: [0, 3], data: new Float32Array(0) },
    };
    const bytes = writeSafetensors(entries, { format: 'pt', note: 'é ✓ "quoted"' });
    const { n } = headerOf(bytes);
    expect(n % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt', note: 'é ✓ "quoted"' });
    for (const [name, e] of Object.entries(entries)) {
      const t = back.tensors.get(name)!;
      expect(t.dtype, name).toBe(e.dtype ?? t.dtype);
      expect(t.shape, name).toEqual(e.shape);
      expect(t.data.constructor, name).toBe(e.data.constructor);
      const bytesOf = (a: ArrayBufferView) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      expect(bytesOf(t.data), name).toEqual(bytesOf(e.data)); // bit for bit, NaN and -0 included
      expect(t.data.byteOffset % t.data.BYTES_PER_ELEMENT).toBe(0);
    }
    expect(back.tensors.get('i8')!.dtype).toBe('I8');
    expect(back.tensors.get('f64')!.dtype).toBe('F64');
    // the data of every tensor starts aligned to its width in the file too
    const header = JSON.parse(headerOf(bytes).json) as Record<string, { dtype: string; data_offsets: [number, number] }>;
    for (const [name, e] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      expect((8 + n + e.data_offsets[0]) % back.tensors.get(name)!.data.BYTES_PER_ELEMENT, name).toBe(0);
    }
  });

  it('writes the bytes the reference writer writes (its published test vectors)', () => {
    const six = new Float32Array([0, 1, 2, 3, 4, 5]);
    const a = writeSafetensors({ 'attn.0': { shape: [1, 2, 3], data: six } });
    expect(headerOf(a)).toEqual({ n: 64, json: '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}' });
    expect(Array.from(a.subarray(72, 80))).toEqual([0, 0, 0, 0, 0, 0, 128, 63]);
    expect(a.length).toBe(8 + 64 + 24);
    const b = writeSafetensors({ attn0: { shape: [1, 1, 2, 3], data: six } });
    expect(headerOf(b)).toEqual({ n: 72, json: '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ' });
    expect(Array.from(writeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(headerOf(writeSafetensors({}, { framework: 'pt' }))).toEqual({ n: 40, json: '{"__metadata__":{"framework":"pt"}}     ' });
  });

  it('lays tensors out by dtype (widest first, in the reference order) then by name, whatever the given order', () => {
    const one = <T extends SafetensorsEntry['data']>(data: T, dtype?: SafetensorsEntry['dtype']): SafetensorsEntry => ({
      dtype,
      shape: [data.length],
      data,
    });
    const bytes = writeSafetensors([
      ['b', one(new Uint8Array([1]), 'BOOL')],
      ['z', one(new Float32Array([1]))],
      ['a', one(new Float32Array([2]))],
      ['h', one(new Uint16Array([1]), 'F16')],
      ['g', one(new Uint16Array([1]), 'BF16')],
      ['i', one(new Int32Array([1]))],
      ['d', one(new Float64Array([1]))],
      ['l', one(new BigInt64Array([1n]))],
      ['s', one(new Int16Array([1]))],
      ['c', one(new Int8Array([1]))],
      ['u', one(new Uint8Array([1]))],
    ]);
    const keys = [...readSafetensors(bytes).tensors.keys()];
    expect(keys).toEqual(['l', 'd', 'a', 'z', 'i', 'g', 'h', 's', 'c', 'u', 'b']);
    // names compare by code point (UTF-8 bytes), not UTF-16 units: U+1F600 sorts after U+FF5E
    const names = ['\u{1F600}', '\uFF5E', 'B', 'a', '10', '9', '1'];
    const sorted = [...readSafetensors(writeSafetensors(names.map((k) => [k, one(new Uint8Array([1]))] as const))).tensors.keys()];
    expect(sorted).toEqual(['1', '10', '9', 'B', 'a', '\uFF5E', '\u{1F600}']);
  });

  it('keeps the header order of integer-like names and a "__proto__" metadata key', () => {
    const json =
      '{"__metadata__":{"__proto__":"x","2":"y","1":"z"},"10":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"9":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}';
    const file = readSafetensors(rawFile(json, [7, 8]));
    expect([...file.tensors.keys()]).toEqual(['10', '9']);
    expect(Object.getPrototypeOf(file.metadata)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(file.metadata, '__proto__')?.value).toBe('x');
  });

  it('writes metadata in the order given and rejects what it cannot write', () => {
    expect(headerOf(writeSafetensors({}, { b: '1', a: '2' })).json.trimEnd()).toBe('{"__metadata__":{"b":"1","a":"2"}}');
    expect(() => writeSafetensors({ x: { shape: [3], data: new Float32Array(2) } })).toThrow(
      "safetensors: tensor 'x': shape [3] needs 3 values, got 2",
    );
    expect(() => writeSafetensors({ x: { shape: [1], data: new Uint16Array(1) } })).toThrow("a Uint16Array needs dtype 'F16' or 'BF16'");
    expect(() => writeSafetensors({ x: { dtype: 'F64', shape: [1], data: new Float32Array(1) } })).toThrow(
      'dtype F64 needs a Float64Array',
    );
    expect(() => writeSafetensors({ x: { dtype: 'F8' as 'F16', shape: [1], data: new Uint16Array(1) } })).toThrow(
      'safetensors: tensor \'x\': unsupported dtype "F8"',
    );
    expect(() => writeSafetensors({ x: { shape: [-1], data: new Float32Array(1) } })).toThrow(
      'shape must be an array of non-negative integers, got [-1]',
    );
    expect(() =>
      writeSafetensors([
        ['x', { shape: [1], data: new Int8Array(1) }],
        ['x', { shape: [1], data: new Int8Array(1) }],
      ]),
    ).toThrow("tensor 'x' is given twice");
    expect(() => writeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow("'__metadata__' is reserved");
    expect(() => writeSafetensors({}, { a: 1 as unknown as string })).toThrow("safetensors: metadata 'a' must be a string, got number");
  });
});
