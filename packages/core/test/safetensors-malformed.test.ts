import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/index.js';
import { entry, rawFile } from './helpers/raw-file.js';

const read = (bytes: Uint8Array) => () => readSafetensors(bytes);
const withLength = (length: bigint, rest: ArrayLike<number> = []) => {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(rest, 8);
  return out;
};

describe('safetensors: malformed files fail with a clear error', () => {
  it('truncated files and header lengths', () => {
    expect(read(new Uint8Array(3))).toThrow('safetensors: file is 3 bytes, shorter than the 8-byte header length');
    expect(read(withLength(100n, [0x7b]))).toThrow('safetensors: header length 100 runs past the end of the 9-byte file');
    expect(read(withLength(2n ** 64n - 1n))).toThrow(
      'safetensors: header length 18446744073709551615 exceeds the limit of 100000000 bytes',
    );
    expect(read(withLength(100_000_001n))).toThrow(/header length 100000001 exceeds the limit/);
    // a valid file cut inside its data
    const whole = rawFile(`{"x":${entry('F32', [4], [0, 16])}}`, new Uint8Array(16));
    expect(read(whole.subarray(0, whole.length - 3))).toThrow(
      "safetensors: tensor 'x': data_offsets [0, 16] run past the 13 bytes of data",
    );
  });

  it('offsets that overlap, leave gaps, do not start at 0 or do not cover the data', () => {
    const two = (a: [number, number], b: [number, number], size: number) =>
      rawFile(`{"a":${entry('U8', [a[1] - a[0]], a)},"b":${entry('U8', [b[1] - b[0]], b)}}`, new Uint8Array(size));
    expect(read(two([0, 2], [1, 3], 3))).toThrow(
      "safetensors: tensor 'b' overlaps the tensor before it (data_offsets [1, 3] start before 2)",
    );
    expect(read(two([0, 2], [3, 4], 4))).toThrow("safetensors: 1 unused bytes before tensor 'b' (data_offsets [3, 4], previous end 2)");
    expect(read(two([2, 4], [4, 5], 5))).toThrow("safetensors: 2 unused bytes before tensor 'a' (data_offsets [2, 4], previous end 0)");
    expect(read(two([0, 2], [2, 3], 7))).toThrow('safetensors: 4 bytes after the last tensor are not part of any tensor');
    expect(read(rawFile('{}', [1, 2]))).toThrow('safetensors: 2 bytes after the last tensor are not part of any tensor');
    expect(read(rawFile(`{"a":${entry('U8', [0], [4, 2])}}`, new Uint8Array(4)))).toThrow(
      "tensor 'a': data_offsets [4, 2] hold -2 bytes, but U8 [0] needs 0",
    );
    expect(read(rawFile(`{"a":${entry('U8', [1], [0.5, 1.5])}}`, new Uint8Array(2)))).toThrow(
      "tensor 'a': data_offsets must be two non-negative integers, got [0.5,1.5]",
    );
    expect(read(rawFile(`{"a":${entry('U8', [1], [0, 1, 2])}}`, new Uint8Array(1)))).toThrow(
      "tensor 'a': data_offsets must be two non-negative integers, got [0,1,2]",
    );
    expect(read(rawFile(`{"a":${entry('U8', [1], '0')}}`, new Uint8Array(1)))).toThrow(
      `tensor 'a': data_offsets must be two non-negative integers, got "0"`,
    );
  });

  it('dtypes, shapes and byte counts that disagree, and shapes that overflow', () => {
    expect(read(rawFile(`{"x":${entry('F8_E4M3', [1], [0, 1])}}`, [0]))).toThrow(
      `safetensors: tensor 'x': unsupported dtype "F8_E4M3" (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)`,
    );
    expect(read(rawFile('{"x":{"shape":[1],"data_offsets":[0,1]}}', [0]))).toThrow("tensor 'x': unsupported dtype nothing");
    expect(read(rawFile(`{"x":${entry('F32', [2], [0, 4])}}`, new Uint8Array(4)))).toThrow(
      "safetensors: tensor 'x': data_offsets [0, 4] hold 4 bytes, but F32 [2] needs 8",
    );
    expect(read(rawFile(`{"x":${entry('F32', [-2], [0, 8])}}`, new Uint8Array(8)))).toThrow(
      "tensor 'x': shape must be an array of non-negative integers, got [-2]",
    );
    expect(read(rawFile(`{"x":${entry('F32', [1.5], [0, 6])}}`, new Uint8Array(6)))).toThrow(
      'shape must be an array of non-negative integers, got [1.5]',
    );
    expect(read(rawFile(`{"x":${entry('F32', 'big', [0, 8])}}`, new Uint8Array(8)))).toThrow(
      `shape must be an array of non-negative integers, got "big"`,
    );
    const huge = 2 ** 52;
    expect(read(rawFile(`{"x":${entry('F64', [huge, huge], [0, 8])}}`, new Uint8Array(8)))).toThrow(
      `safetensors: tensor 'x': F64 shape [${huge},${huge}] overflows: more than 2^53 bytes`,
    );
    expect(read(rawFile(`{"x":{"dtype":"F64","shape":[1e300],"data_offsets":[0,8]}}`, new Uint8Array(8)))).toThrow(
      'shape must be an array of non-negative integers',
    );
    // a zero dimension makes the tensor empty, whatever the others
    expect(readSafetensors(rawFile(`{"x":${entry('F64', [huge, 0, huge], [0, 0])}}`)).tensors.get('x')!.shape).toEqual([huge, 0, huge]);
    // a header claiming gigabytes against a small file fails before allocating them
    expect(read(rawFile(`{"x":${entry('F32', [1e9], [0, 4e9])}}`, new Uint8Array(16)))).toThrow(
      "tensor 'x': data_offsets [0, 4000000000] run past the 16 bytes of data",
    );
  });

  it('headers that are not UTF-8, not JSON, not an object, or repeat a key', () => {
    const notUtf8 = withLength(2n, [0x7b, 0xff]);
    expect(read(notUtf8)).toThrow(/^safetensors: header is not valid UTF-8 JSON \(.*\)$/);
    expect(read(rawFile('{"x":'))).toThrow(
      'safetensors: header is not valid UTF-8 JSON (header is not valid JSON: unexpected end at character 5)',
    );
    expect(read(rawFile('{"x":1} x'))).toThrow(/not valid JSON: unexpected "x" after the value/);
    expect(read(rawFile('{"a\u0001":1}'))).toThrow(/control character in a string/);
    expect(read(rawFile('{"a":"\\q"}'))).toThrow(/bad escape \\q/);
    expect(read(rawFile('[1]'))).toThrow('safetensors: header must be a JSON object, got an array');
    expect(read(rawFile('"x"'))).toThrow('safetensors: header must be a JSON object, got "x"');
    expect(read(rawFile('null'))).toThrow('safetensors: header must be a JSON object, got null');
    expect(read(rawFile(''))).toThrow(/unexpected end at character 0/);
    const dup = `{"a":${entry('U8', [1], [0, 1])},"a":${entry('U8', [1], [1, 2])}}`;
    expect(read(rawFile(dup, [1, 2]))).toThrow(
      /safetensors: header is not valid UTF-8 JSON \(header is not valid JSON: duplicate key "a" at character \d+\)/,
    );
    expect(read(rawFile('{"__metadata__":{},"__metadata__":{}}'))).toThrow(/duplicate key "__metadata__"/);
    expect(read(rawFile(`{"x":${'['.repeat(100_000)}`))).toThrow(/nesting deeper than 64 levels/);
    expect(read(rawFile('{"x":5}'))).toThrow("safetensors: tensor 'x': entry must be an object, got 5");
    // escapes decode to the names they spell, and JSON whitespace is accepted
    const named = readSafetensors(rawFile(` { "\\u00e9\\n" : ${entry('U8', [1], [0, 1])} }  `, [9]));
    expect([...named.tensors.keys()]).toEqual(['é\n']);
  });

  it('bad metadata', () => {
    expect(read(rawFile('{"__metadata__":{"a":1}}'))).toThrow('safetensors: __metadata__.a must be a string, got 1');
    expect(read(rawFile('{"__metadata__":{"a":null}}'))).toThrow('safetensors: __metadata__.a must be a string, got null');
    expect(read(rawFile('{"__metadata__":["a"]}'))).toThrow('safetensors: __metadata__ must be an object of strings, got ["a"]');
    expect(read(rawFile('{"__metadata__":"pt"}'))).toThrow('safetensors: __metadata__ must be an object of strings, got "pt"');
    expect(read(rawFile('{"__metadata__":{"a":{"b":"c"}}}'))).toThrow('safetensors: __metadata__.a must be a string, got {"b":"c"}');
  });

  it('validates the whole header before reading any tensor, whatever the key order', () => {
    // the bad entry comes last in the header; the first tensor alone would be fine
    const json = `{"ok":${entry('U8', [1], [0, 1])},"bad":${entry('F32', [3], [1, 5])}}`;
    expect(read(rawFile(json, new Uint8Array(5)))).toThrow("tensor 'bad': data_offsets [1, 5] hold 4 bytes, but F32 [3] needs 12");
  });
});
