import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memory, readSafetensors, writeSafetensors } from '../src/index.js';
import {
  loadSafetensorsFile,
  openSafetensorsFile,
  readSafetensorsFile,
  saveSafetensorsFile,
  writeSafetensorsFile,
} from '../src/node/index.js';
import { goldenDir, safetensorsFiles } from './helpers/golden.js';
import { useStorageBackend } from './helpers/storage-backend.js';

// Every golden file was written by the Python safetensors package: reading and writing it back through
// our API must give the same bytes (its layout, key order and padding).

const dir = goldenDir();
const files = safetensorsFiles(dir);
let out: string;
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'golden-rewrite-'));
  await useStorageBackend();
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const same = (a: Uint8Array, b: Uint8Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

// about 1,500 files (21 MB): seconds on a loaded 2-core machine, past vitest's 5 s default
describe('golden safetensors files, byte for byte', { timeout: 120_000 }, () => {
  it('finds the golden files', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('every file through bytes: readSafetensors then writeSafetensors', () => {
    for (const f of files) {
      const original = new Uint8Array(readFileSync(f));
      const { tensors, metadata } = readSafetensors(original);
      const rewritten = writeSafetensors(tensors, Object.keys(metadata).length > 0 ? metadata : undefined);
      expect(same(rewritten, original), relative(dir, f)).toBe(true);
    }
  });

  it('every file through the Node file functions: readSafetensorsFile then writeSafetensorsFile', async () => {
    for (const [i, f] of files.entries()) {
      const original = new Uint8Array(readFileSync(f));
      const { tensors, metadata } = await readSafetensorsFile(f);
      const target = join(out, `${i}.safetensors`);
      await writeSafetensorsFile(target, tensors, Object.keys(metadata).length > 0 ? metadata : undefined);
      expect(same(new Uint8Array(readFileSync(target)), original), relative(dir, f)).toBe(true);
    }
  }, 120_000); // over a thousand atomic writes (each one fsynced): seconds, more on a busy machine

  it('files of one float dtype through tensors: loadSafetensorsFile then saveSafetensorsFile', async () => {
    let checked = 0;
    for (const [i, f] of files.entries()) {
      const handle = await openSafetensorsFile(f);
      const dtypes = new Set(handle.keys().map((k) => handle.info(k).dtype));
      const metadata = handle.metadata;
      await handle.close();
      if (dtypes.size !== 1 || !(dtypes.has('F32') || dtypes.has('F64'))) continue;
      const before = memory().numTensors;
      const tensors = await loadSafetensorsFile(f, { floatDType: dtypes.has('F64') ? 'float64' : 'float32' });
      const target = join(out, `t${i}.safetensors`);
      await saveSafetensorsFile(target, tensors, Object.keys(metadata).length > 0 ? metadata : undefined);
      for (const t of tensors.values()) t.dispose();
      expect(memory().numTensors).toBe(before);
      expect(same(new Uint8Array(readFileSync(target)), new Uint8Array(readFileSync(f))), relative(dir, f)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
  }, 120_000);
});
