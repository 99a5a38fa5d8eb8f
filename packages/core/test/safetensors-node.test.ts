import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memory, openSafetensors, readSafetensors, tensor, writeSafetensors, type ByteSource, type Tensor } from '../src/index.js';
import {
  fileSource,
  loadSafetensorsFile,
  loadShardedSafetensors,
  openSafetensorsFile,
  saveSafetensorsFile,
  writeFileAtomic,
} from '../src/node/index.js';
import { useStorageBackend } from './helpers/storage-backend.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'safetensors-node-'));
  await useStorageBackend();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sample = () =>
  writeSafetensors(
    {
      a: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      b: { shape: [4], data: new Float64Array([0.5, -1, 2, 1e-300]) },
      i: { shape: [2], data: new BigInt64Array([-3n, 7n]) },
      m: { dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
      h: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x4040]) },
    },
    { format: 'pt' },
  );

/** Counts the bytes a source hands out. */
function counting(source: ByteSource) {
  const reads: [number, number][] = [];
  const wrapped: ByteSource = { ...source, read: (p, n) => (reads.push([p, n]), source.read(p, n)), close: () => source.close() };
  return { wrapped, reads };
}

const disposeAll = (m: Map<string, Tensor>) => m.forEach((t) => t.dispose());

describe('safetensors files in Node', () => {
  it('loads a file into tensors with every dtype mapped', async () => {
    const path = join(dir, 'sample.safetensors');
    writeFileSync(path, sample());
    const before = memory().numTensors;
    const tensors = await loadSafetensorsFile(path);
    expect([...tensors.keys()]).toEqual(['i', 'b', 'a', 'h', 'm']);
    expect(await tensors.get('a')!.array()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(tensors.get('b')!.dtype).toBe('float32');
    expect(Array.from(await tensors.get('i')!.data())).toEqual([-3, 7]);
    expect(tensors.get('i')!.dtype).toBe('int32');
    expect(tensors.get('m')!.dtype).toBe('bool');
    expect(Array.from(await tensors.get('h')!.data())).toEqual([3]);
    disposeAll(tensors);
    expect(memory().numTensors).toBe(before);
    const f64 = await loadSafetensorsFile(path, { floatDType: 'float64' });
    expect(Array.from(await f64.get('b')!.data())).toEqual([0.5, -1, 2, 1e-300]);
    disposeAll(f64);
  });

  it('reads the header with small reads, then only the byte range of each tensor asked for', async () => {
    const path = join(dir, 'lazy.safetensors');
    const bytes = sample();
    writeFileSync(path, bytes);
    const { wrapped, reads } = counting(await fileSource(path));
    const handle = await openSafetensors(wrapped);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(reads).toEqual([
      [0, 8],
      [8, n],
    ]);
    expect(handle.metadata).toEqual({ format: 'pt' });
    expect(handle.keys()).toEqual(['i', 'b', 'a', 'h', 'm']);
    expect(handle.info('a')).toEqual({ dtype: 'F32', shape: [2, 3], dataOffsets: [48, 72] });
    const a = await handle.get('a');
    expect(reads[2]).toEqual([8 + n + 48, 24]);
    expect(reads.length).toBe(3);
    expect(await a.array()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    a.dispose();
    expect(() => handle.info('nope')).toThrow("safetensors: no tensor 'nope' in " + path + " (it holds 5: 'i', 'b', 'a', 'h', 'm')");
    await handle.close();
    await expect(handle.get('a')).rejects.toThrow(`safetensors: ${path} is closed`);
    await handle.close(); // twice is fine
  });

  it('openSafetensorsFile validates the header on open and closes the file when it is bad', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, sample().subarray(0, 100));
    await expect(openSafetensorsFile(path)).rejects.toThrow(/^safetensors: header length \d+ runs past the end of the 100-byte file/);
    const cut = sample();
    writeFileSync(path, cut.subarray(0, cut.length - 1));
    const before = memory().numTensors;
    await expect(loadSafetensorsFile(path)).rejects.toThrow(
      /^safetensors: tensor 'm': data_offsets \[\d+, \d+\] run past the \d+ bytes of data/,
    );
    expect(memory().numTensors).toBe(before);
    await expect(loadSafetensorsFile(join(dir, 'missing.safetensors'))).rejects.toThrow(
      /^safetensors: cannot open .*missing\.safetensors: ENOENT/,
    );
  });

  it('fails cleanly when the file shrinks between the header and a tensor read', async () => {
    const path = join(dir, 'shrinks.safetensors');
    writeFileSync(path, sample());
    const handle = await openSafetensorsFile(path);
    truncateSync(path, 60);
    await expect(handle.get('m')).rejects.toThrow(/^safetensors: .* ended at \d+ bytes, expected \d+ \(was it truncated while reading\?\)/);
    await handle.close();
  });
});

describe('sharded checkpoints', () => {
  const shard = (name: string, entries: Record<string, number[]>) =>
    writeFileSync(
      join(dir, name),
      writeSafetensors(Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, { shape: [v.length], data: new Float32Array(v) }]))),
    );
  const index = (file: string, weightMap: Record<string, string>) =>
    writeFileSync(join(dir, file), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));

  it('loads every tensor of the weight map from its shard, in the index order', async () => {
    shard('model-00001-of-00002.safetensors', { 'x.weight': [1, 2], 'y.weight': [3] });
    shard('model-00002-of-00002.safetensors', { 'z.weight': [4, 5, 6] });
    index('model.safetensors.index.json', {
      'z.weight': 'model-00002-of-00002.safetensors',
      'x.weight': 'model-00001-of-00002.safetensors',
      'y.weight': 'model-00001-of-00002.safetensors',
    });
    const tensors = await loadShardedSafetensors(dir);
    expect([...tensors.keys()]).toEqual(['z.weight', 'x.weight', 'y.weight']);
    expect(Array.from(await tensors.get('z.weight')!.data())).toEqual([4, 5, 6]);
    expect(Array.from(await tensors.get('x.weight')!.data())).toEqual([1, 2]);
    disposeAll(tensors);
  });

  it('names a missing shard or a key missing from its shard, and leaves no tensors behind', async () => {
    const before = memory().numTensors;
    index('missing-shard.json', { 'x.weight': 'model-00001-of-00002.safetensors', 'w.weight': 'model-00003-of-00003.safetensors' });
    await expect(loadShardedSafetensors(dir, 'missing-shard.json')).rejects.toThrow(
      /^safetensors: shard model-00003-of-00003.safetensors \(listed in missing-shard.json for 1 tensors, e.g. 'w.weight'\) cannot be read: cannot open .*ENOENT/,
    );
    index('missing-key.json', { 'x.weight': 'model-00001-of-00002.safetensors', 'q.weight': 'model-00002-of-00002.safetensors' });
    await expect(loadShardedSafetensors(dir, 'missing-key.json')).rejects.toThrow(
      "safetensors: missing-key.json lists 'q.weight' in shard model-00002-of-00002.safetensors, which does not hold it",
    );
    expect(memory().numTensors).toBe(before);
    writeFileSync(join(dir, 'no-map.json'), '{"metadata":{}}');
    await expect(loadShardedSafetensors(dir, 'no-map.json')).rejects.toThrow(
      /needs a "weight_map" object of tensor name -> shard file, got nothing/,
    );
    index('escape.json', { 'x.weight': '../elsewhere.safetensors' });
    await expect(loadShardedSafetensors(dir, 'escape.json')).rejects.toThrow(
      /points outside the checkpoint folder: "..\/elsewhere.safetensors"/,
    );
    await expect(loadShardedSafetensors(dir, 'nothing.json')).rejects.toThrow(/^safetensors: cannot read the index .*nothing.json/);
  });
});

describe('atomic writes', () => {
  const temporaries = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

  it('a save whose serialisation fails mid-way leaves the previous file intact and no temporary file', async () => {
    const d = mkdtempSync(join(dir, 'atomic-'));
    const path = join(d, 'adapter.safetensors');
    const good = tensor([1, 2, 3]);
    await saveSafetensorsFile(path, { w: good });
    const previous = readFileSync(path);
    const broken = tensor([4, 5, 6, 7]);
    broken.data = () => Promise.reject(new Error('device lost while reading back'));
    // 'a' is written before 'z' fails: the header and a tensor's bytes are already in the temporary file
    await expect(saveSafetensorsFile(path, { z: broken, a: tensor([9]) })).rejects.toThrow('device lost while reading back');
    expect(readFileSync(path).equals(previous)).toBe(true);
    expect(temporaries(d)).toEqual([]);
    // a save that fails before writing (a tensor it cannot store) also leaves it as it was
    await expect(saveSafetensorsFile(path, { w: 'not a tensor' as unknown as Tensor })).rejects.toThrow(
      "safetensors: tensor 'w': expected a Tensor of a storable dtype",
    );
    expect(readFileSync(path).equals(previous)).toBe(true);
    expect(temporaries(d)).toEqual([]);
    good.dispose();
    broken.dispose();
  });

  it('writeFileAtomic replaces an existing file whole, from bytes, text or chunks', async () => {
    const d = mkdtempSync(join(dir, 'atomic-'));
    const path = join(d, 'f.bin');
    await writeFileAtomic(path, new Uint8Array(1000).fill(7));
    await writeFileAtomic(path, 'short');
    expect(readFileSync(path, 'utf8')).toBe('short');
    async function* chunks() {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array([3]);
    }
    await writeFileAtomic(path, chunks());
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    async function* failing() {
      yield new Uint8Array(4096).fill(1);
      throw new Error('producer failed');
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow('producer failed');
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(temporaries(d)).toEqual([]);
  });

  it('a saved file reads back as written', async () => {
    const path = join(dir, 'saved.safetensors');
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const mask = tensor([true, false]);
    await saveSafetensorsFile(
      path,
      new Map([
        ['w', t],
        ['mask', mask],
      ]),
      { format: 'pt' },
    );
    const file = readSafetensors(readFileSync(path));
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.tensors.get('w')).toMatchObject({ dtype: 'F32', shape: [2, 2] });
    expect(file.tensors.get('mask')!.data).toEqual(new Uint8Array([1, 0]));
    t.dispose();
    mask.dispose();
  });
});
