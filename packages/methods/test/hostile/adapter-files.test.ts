import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveSafetensors, tensor } from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoraConfig, getPeftModel, peftModelFromFiles, saveAdapterFiles } from '../../src/index.js';
import { fromPretrained } from '../../src/node/index.js';
import { LayeredNet } from '../helpers/models.js';
import { useCpuBackend } from '../unit.js';
import { expectUnchanged, fingerprint } from './fingerprint.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peftjs-adapters-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('adapter folders: odd files, large files and dtypes', () => {
  useCpuBackend();

  async function folder(name: string): Promise<{ dir: string; config: string }> {
    const model = new LayeredNet();
    const peft = getPeftModel(model, new LoraConfig({ r: 2, targetModules: ['q_proj'] }));
    const files = await saveAdapterFiles(peft);
    peft.dispose();
    const dir = join(root, name);
    execFileSync('mkdir', ['-p', dir]);
    await writeFile(join(dir, 'adapter_config.json'), files.config);
    await writeFile(join(dir, 'adapter_model.safetensors'), files.weights);
    return { dir, config: files.config };
  }

  it('a FIFO or a link to /dev/zero as the weights is refused at once', async () => {
    const model = new LayeredNet();
    const fifo = await folder('fifo');
    await rm(join(fifo.dir, 'adapter_model.safetensors'));
    execFileSync('mkfifo', [join(fifo.dir, 'adapter_model.safetensors')]);
    await expect(fromPretrained(model, fifo.dir)).rejects.toThrow(/not a regular file \(a FIFO\)/);
    const zero = await folder('zero');
    await rm(join(zero.dir, 'adapter_model.safetensors'));
    await symlink('/dev/zero', join(zero.dir, 'adapter_model.safetensors'));
    await expect(fromPretrained(model, zero.dir)).rejects.toThrow(/not a regular file \(a character device\)/);
    model.dispose();
  }, 10_000);

  it('a 3 GB sparse weights file with a bad header fails on the header, without reading it whole', async () => {
    const model = new LayeredNet();
    const big = await folder('big');
    const handle = await open(join(big.dir, 'adapter_model.safetensors'), 'w');
    await handle.write(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), 0, 8, 0);
    await handle.truncate(3 * 2 ** 30);
    await handle.close();
    const rss = process.memoryUsage().rss;
    await expect(fromPretrained(model, big.dir)).rejects.toThrow(/header length 4294967295 exceeds the limit/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
    model.dispose();
  });

  it('integer and bool tensors are refused for float parameters, naming the key', async () => {
    const model = new LayeredNet();
    const peft = getPeftModel(new LayeredNet(), new LoraConfig({ r: 2, targetModules: ['q_proj'] }));
    const files = await saveAdapterFiles(peft);
    const key = [...peft.stateDict().keys()].find((k) => k.includes('lora_A'))!;
    const shape = peft.stateDict().get(key)!.shape;
    peft.dispose();
    const saved = [...(await import('@peftjs/core')).loadSafetensors(files.weights)];
    const ints = new Map(saved.map(([k, t]) => [k, k.includes('lora_A') ? tensor(new Int32Array(t.size), { shape, dtype: 'int32' }) : t]));
    const weights = await saveSafetensors(ints);
    for (const t of ints.values()) t.dispose();
    for (const [, t] of saved) t.dispose();
    const before = await fingerprint(model);
    expect(() => peftModelFromFiles(model, { config: files.config, weights })).toThrow(
      /loadAdapter: .*lora_A.* holds int32 values in the file; the model's tensor is float/,
    );
    await expectUnchanged(model, before);
    model.dispose();
  });
});
