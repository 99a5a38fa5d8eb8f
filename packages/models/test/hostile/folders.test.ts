import '@peftjs/backend-cpu';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, setBackend } from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT2Config, GPT2LMHeadModel } from '../../src/index.js';
import { fromPretrained, savePretrained } from '../../src/node/index.js';

const tiny = () => new GPT2LMHeadModel(new GPT2Config({ vocabSize: 11, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }));
const INDEX = 'model.safetensors.index.json';

let root: string;
let model: string;
let indexText: string;

beforeAll(async () => {
  await setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'peftjs-folders-'));
  model = join(root, 'model');
  const m = tiny();
  await savePretrained(m, model, { maxShardSize: 400 });
  m.dispose();
  indexText = await readFile(join(model, INDEX), 'utf8');
  await mkdir(join(root, 'outside'));
  const firstShard = Object.values(JSON.parse(indexText).weight_map as Record<string, string>)[0]!;
  await writeFile(join(root, 'outside', 'secret.safetensors'), await readFile(join(model, firstShard)));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A copy of the saved model whose index is rewritten by `edit` (or replaced by text). */
async function withIndex(name: string, edit: ((index: { weight_map: Record<string, unknown> }) => unknown) | string): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  execFileSync('cp', ['-r', `${model}/.`, dir]);
  const text = typeof edit === 'string' ? edit : JSON.stringify(edit(JSON.parse(indexText)));
  await writeFile(join(dir, INDEX), text);
  return dir;
}

const firstKey = () => Object.keys(JSON.parse(indexText).weight_map)[0]!;

describe('model folders: every file read is inside the folder', () => {
  it('loads the saved sharded model', async () => {
    const m = await fromPretrained(model);
    m.dispose();
  });

  for (const [label, shard] of [
    ['a sibling folder', '../outside/secret.safetensors'],
    ['/etc/passwd by ..', '../../../../../../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
  ] as const) {
    it(`refuses a weight_map value that climbs to ${label}`, async () => {
      const tensors = memory().numTensors;
      const dir = await withIndex('climb', (index) => {
        for (const k of Object.keys(index.weight_map)) index.weight_map[k] = shard;
        return index;
      });
      await expect(fromPretrained(dir)).rejects.toThrow(
        /model\.safetensors\.index\.json: weight_map\[.*\] points outside the checkpoint folder/,
      );
      expect(memory().numTensors).toBe(tensors);
    });
  }

  it('names the index file for non-string values, arrays and invalid JSON', async () => {
    const number = await withIndex('number', (index) => ({ weight_map: { ...index.weight_map, [firstKey()]: 7 } }));
    await expect(fromPretrained(number)).rejects.toThrow(
      /model\.safetensors\.index\.json: weight_map\[".*"\] must be a shard file name, got 7/,
    );
    const array = await withIndex('array', () => ({ weight_map: ['a', 'b'] }));
    await expect(fromPretrained(array)).rejects.toThrow(/model\.safetensors\.index\.json needs a "weight_map" object/);
    const invalid = await withIndex('invalid', '{"weight_map": ');
    await expect(fromPretrained(invalid)).rejects.toThrow(/model\.safetensors\.index\.json is not valid JSON/);
  });

  it('refuses a FIFO or a link to /dev/zero as a shard, without hanging', async () => {
    const shard = JSON.parse(indexText).weight_map[firstKey()] as string;
    const fifo = await withIndex('fifo', indexText);
    await rm(join(fifo, shard));
    execFileSync('mkfifo', [join(fifo, shard)]);
    await expect(fromPretrained(fifo)).rejects.toThrow(/is not a regular file \(a FIFO\)/);
    const zero = await withIndex('zero', indexText);
    await rm(join(zero, shard));
    await symlink('/dev/zero', join(zero, shard));
    await expect(fromPretrained(zero)).rejects.toThrow(/is not a regular file \(a character device\)/);
  }, 10_000);

  it('refuses a config.json that is a FIFO', async () => {
    const dir = await withIndex('fifo-config', indexText);
    await rm(join(dir, 'config.json'));
    execFileSync('mkfifo', [join(dir, 'config.json')]);
    await expect(fromPretrained(dir)).rejects.toThrow(/cannot read config\.json: .*not a regular file/);
  }, 10_000);

  it('follows a symlink inside the folder to a regular file (as in the Hugging Face cache)', async () => {
    const shard = JSON.parse(indexText).weight_map[firstKey()] as string;
    const dir = await withIndex('linked', indexText);
    const blob = join(root, 'blob.safetensors');
    execFileSync('mv', [join(dir, shard), blob]);
    await symlink(blob, join(dir, shard));
    const m = await fromPretrained(dir);
    m.dispose();
  });
});
