import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { locateGoldenDir } from '../src/golden/files.js';

// Tests of core's safetensors reader and writer (io/safetensors.ts), which the golden suite relies on.

const header = (json: string, body = new Uint8Array(0)): Uint8Array => {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(body, 8 + text.length);
  return out;
};

describe('safetensors', () => {
  it('round-trips every dtype, shapes (scalar and empty) and metadata', () => {
    const entries: Record<string, SafetensorsEntry> = {
      f64: { shape: [2], data: new Float64Array([1.5, -2.25]) },
      f32: { shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      f16: { dtype: 'F16', shape: [1], data: new Uint16Array([0x3c00]) },
      bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) },
      i64: { shape: [2], data: new BigInt64Array([-5n, 2n ** 40n]) },
      i32: { shape: [], data: new Int32Array([-7]) },
      i16: { shape: [1], data: new Int16Array([-300]) },
      i8: { shape: [3], data: new Int8Array([-1, 0, 1]) },
      u8: { shape: [1], data: new Uint8Array([255]) },
      bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
      empty: { shape: [0, 3], data: new Float32Array(0) },
    };
    const bytes = writeSafetensors(entries, { format: 'pt' });
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt' });
    for (const [name, e] of Object.entries(entries)) {
      const t = back.tensors.get(name)!;
      expect(t.shape).toEqual(e.shape);
      expect(Array.from(t.data as ArrayLike<number | bigint>)).toEqual(Array.from(e.data as ArrayLike<number | bigint>));
    }
    expect(back.tensors.get('bool')!.dtype).toBe('BOOL');
    expect(back.tensors.get('i64')!.data).toBeInstanceOf(BigInt64Array);
  });

  it('reads a file written by the Python safetensors package', async () => {
    const { dir } = await locateGoldenDir();
    const file = readSafetensors(readFileSync(join(dir, 'ops', 'matmul.safetensors')));
    expect(file.metadata).toEqual({ op: 'matmul' });
    expect(file.tensors.get('a')).toMatchObject({ dtype: 'F32', shape: [3, 4] });
    expect(file.tensors.get('a.f64')!.data).toBeInstanceOf(Float64Array);
    expect(Math.fround(file.tensors.get('a.f64')!.data[5] as number)).toBe(file.tensors.get('a')!.data[5]);
  });

  it("writes every golden ops file back byte for byte (the Python writer's order and padding)", async () => {
    const { dir } = await locateGoldenDir();
    const files = readdirSync(join(dir, 'ops')).filter((f) => f.endsWith('.safetensors'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const original = new Uint8Array(readFileSync(join(dir, 'ops', f)));
      const { tensors, metadata } = readSafetensors(original);
      const rewritten = writeSafetensors(tensors, metadata);
      expect(Buffer.from(rewritten).equals(Buffer.from(original)), f).toBe(true);
    }
  });

  it('accepts an ArrayBuffer and an unaligned view', () => {
    const bytes = writeSafetensors({ x: { shape: [2], data: new Float64Array([3, 4]) } });
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(readSafetensors(shifted.subarray(1)).tensors.get('x')!.data as Float64Array)).toEqual([3, 4]);
    expect(readSafetensors(bytes.slice().buffer).tensors.size).toBe(1);
  });

  it('rejects malformed files with a clear error', () => {
    const f32 = (offsets: string, shape = '[2]') => `{"x":{"dtype":"F32","shape":${shape},"data_offsets":${offsets}}}`;
    expect(() => readSafetensors(new Uint8Array(3))).toThrow('safetensors: file is 3 bytes, shorter than the 8-byte header length');
    expect(() => readSafetensors(header('{"x":'))).toThrow(/safetensors: header is not valid UTF-8 JSON/);
    expect(() => readSafetensors(header('[1]'))).toThrow('safetensors: header must be a JSON object');
    expect(() => readSafetensors(header(f32('[0,8]'), new Uint8Array(4)))).toThrow(
      "tensor 'x': data_offsets [0, 8] run past the 4 bytes of data",
    );
    expect(() => readSafetensors(header(f32('[0,4]'), new Uint8Array(4)))).toThrow(
      "tensor 'x': data_offsets [0, 4] hold 4 bytes, but F32 [2] needs 8",
    );
    expect(() => readSafetensors(header(f32('[0,8]'), new Uint8Array(12)))).toThrow(
      '4 bytes after the last tensor are not part of any tensor',
    );
    expect(() => readSafetensors(header(f32('[4,12]'), new Uint8Array(12)))).toThrow("4 unused bytes before tensor 'x'");
    expect(() => readSafetensors(header('{"x":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)))).toThrow(
      /unsupported dtype "F8_E4M3"/,
    );
    expect(() => readSafetensors(header(f32('[0,8]', '[-2]'), new Uint8Array(8)))).toThrow(
      /shape must be an array of non-negative integers/,
    );
    expect(() => readSafetensors(header('{"__metadata__":{"a":1}}'))).toThrow('__metadata__.a must be a string');
    const overlapping = '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}';
    expect(() => readSafetensors(header(overlapping, new Uint8Array(3)))).toThrow("tensor 'b' overlaps the tensor before it");
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => readSafetensors(huge)).toThrow(/header length 1099511627776 exceeds the limit/);
  });

  it('rejects invalid entries when writing', () => {
    expect(() => writeSafetensors({ x: { shape: [3], data: new Float32Array(2) } })).toThrow("tensor 'x': shape [3] needs 3 values, got 2");
    expect(() => writeSafetensors({ x: { shape: [1], data: new Uint16Array(1) } })).toThrow("a Uint16Array needs dtype 'F16' or 'BF16'");
    expect(() => writeSafetensors({ x: { dtype: 'F64', shape: [1], data: new Float32Array(1) } })).toThrow(
      'dtype F64 needs a Float64Array',
    );
    expect(() => writeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow("'__metadata__' is reserved");
    expect(() => writeSafetensors({}, { a: 1 as unknown as string })).toThrow("metadata 'a' must be a string");
  });
});
