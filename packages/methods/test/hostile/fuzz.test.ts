/**
 * Seeded fuzzing of every loader through its public function: adapter folders (config and weights
 * together), model folders (config.json, index, shards) and checkpoint folders. Each case mutates a
 * valid folder; afterwards nothing but an Error with a message may have escaped, the case took at
 * most 2 s, the live tensor count is back where it was, Object.prototype is clean and the caller's
 * model is unchanged (its tensors hashed). PEFTJS_FUZZ_CASES sets the cases per loader (by default
 * 1500 adapter, 300 model and 1200 checkpoint folders; `npm run fuzz -- --cases 100000` runs the long mode).
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, Linear, Module, Trainer, memory, type Tensor } from '@peftjs/core';
import { fileCheckpointStore } from '@peftjs/core/node';
import { GPT2Config, GPT2LMHeadModel } from '@peftjs/models';
import { fromPretrained as modelFromPretrained, savePretrained as saveModel } from '@peftjs/models/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoraConfig, getPeftModel } from '../../src/index.js';
import { fromPretrained, savePretrained } from '../../src/node/index.js';
import { useCpuBackend } from '../unit.js';
import { expectUnchanged, fingerprint } from './fingerprint.js';

/**
 * Cases per loader. In `npm test` each loader gets what fits a few seconds (model folders cost the
 * most a case: a model is built each time); PEFTJS_FUZZ_CASES gives every loader the same count.
 */
const fixed = process.env.PEFTJS_FUZZ_CASES === undefined ? null : Number(process.env.PEFTJS_FUZZ_CASES);
const CASES = { adapter: fixed ?? 1500, model: fixed ?? 300, checkpoint: fixed ?? 1200 };
const SEED = Number(process.env.PEFTJS_FUZZ_SEED ?? 1);

/** Mulberry32: a small seeded generator, so a failing case can be replayed by its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_VALUES: unknown[] = [
  null,
  -1,
  0,
  1e9,
  1e300,
  NaN,
  'x',
  '',
  '__proto__',
  'constructor',
  [],
  {},
  [1, 'a'],
  { __proto__: { polluted: 1 } },
  '../../../../etc/passwd',
  '([a-z_.0-9]+)+X',
  '(?=a)',
  true,
  2 ** 53,
  -0.5,
  'toString',
];

/** A mutated JSON text: values replaced, keys added or removed, or the text cut or garbled. */
function mutateJson(text: string, r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const kind = r();
  if (kind < 0.1) return text.slice(0, Math.floor(r() * text.length));
  if (kind < 0.15) return text.replace(/[{}[\]":,]/, pick(['', '{', ']', '"', '\\u0000']));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return text;
  }
  const visit = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return r() < 0.15 ? pick(HOSTILE_VALUES) : v;
    if (Array.isArray(v)) return r() < 0.1 ? pick(HOSTILE_VALUES) : v.map((x) => visit(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      if (r() > 0.05)
        Object.defineProperty(out, r() < 0.03 ? pick(['__proto__', 'constructor', 'x'.repeat(50)]) : k, {
          value: visit(x, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    if (r() < 0.1)
      Object.defineProperty(out, pick(['__proto__', 'constructor', 'unknown_field', 'peft_type', 'architectures']), {
        value: pick(HOSTILE_VALUES),
        enumerable: true,
        configurable: true,
        writable: true,
      });
    return out;
  };
  return JSON.stringify(visit(json, 0));
}

/** Mutated bytes: flipped, overwritten with hostile integers, cut or extended. */
function mutateBytes(bytes: Uint8Array, r: () => number): Uint8Array {
  const out = new Uint8Array(bytes);
  const kind = r();
  if (kind < 0.15) return out.slice(0, Math.floor(r() * out.length));
  if (kind < 0.25) {
    const view = new DataView(out.buffer);
    view.setBigUint64(0, [0n, 7n, 2n ** 63n, BigInt(out.length), BigInt(out.length - 8), 2n ** 64n - 1n][Math.floor(r() * 6)]!, true);
    return out;
  }
  if (kind < 0.3) return new Uint8Array([...out, ...new Uint8Array(1 + Math.floor(r() * 64))]);
  const n = 1 + Math.floor(r() * 8);
  // the header is where parsing happens: most flips land in it
  for (let i = 0; i < n; i++) out[Math.floor(r() < 0.8 ? r() * Math.min(out.length, 400) : r() * out.length)] = Math.floor(r() * 256);
  return out;
}

/** Every file of a folder by name. */
async function readFolder(dir: string): Promise<Map<string, Uint8Array>> {
  const names = await readdir(dir);
  return new Map(await Promise.all(names.map(async (n) => [n, new Uint8Array(await readFile(join(dir, n)))] as const)));
}

/** `files` written afresh into `dir`, one of them (JSON or bytes) mutated. */
async function writeMutatedFolder(dir: string, files: ReadonlyMap<string, Uint8Array>, r: () => number): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  const names = [...files.keys()];
  const target = names[Math.floor(r() * names.length)]!;
  for (const [name, bytes] of files) {
    const text = name.endsWith('.json');
    const data =
      name !== target ? bytes : text ? new TextEncoder().encode(mutateJson(new TextDecoder().decode(bytes), r)) : mutateBytes(bytes, r);
    await writeFile(join(dir, name), data);
  }
}

interface Stats {
  cases: number;
  rejected: number;
  loaded: number;
  slowest: number;
}

/** Runs one case and checks everything the suite promises about it. */
async function runCase(label: string, model: Module, load: () => Promise<{ dispose(): void } | void>, stats: Stats): Promise<void> {
  const before = await fingerprint(model);
  const tensors = memory().numTensors;
  const start = performance.now();
  try {
    const made = await load();
    stats.loaded++;
    made?.dispose();
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`${label}: a non-Error escaped: ${String(e)}`);
    if (!(e.message.length >= 10)) throw new Error(`${label}: an error without a clear message escaped: ${JSON.stringify(e.message)}`);
    if (/^(Cannot read prop|undefined is not|.* is not a function|Maximum call stack)/.test(e.message))
      throw new Error(`${label}: an internal error escaped: ${e.message}`);
    stats.rejected++;
  }
  const took = performance.now() - start;
  stats.slowest = Math.max(stats.slowest, took);
  stats.cases++;
  if (took > 2000) throw new Error(`${label}: took ${took.toFixed(0)} ms`);
  if (memory().numTensors !== tensors) throw new Error(`${label}: ${memory().numTensors - tensors} tensors left behind`);
  for (const k of ['polluted', 'x']) if (k in Object.prototype) throw new Error(`${label}: Object.prototype.${k} was set`);
  await expectUnchanged(model, before).catch((e: Error) => {
    throw new Error(`${label}: ${e.message}`);
  });
}

let root: string;
const tiny = () => new GPT2LMHeadModel(new GPT2Config({ vocabSize: 11, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'peftjs-fuzz-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe(`fuzzed loaders (${CASES.adapter} adapter, ${CASES.model} model, ${CASES.checkpoint} checkpoint folders, seed ${SEED})`, () => {
  useCpuBackend();

  it('adapter folders through fromPretrained', async () => {
    const source = getPeftModel(tiny(), new LoraConfig({ r: 2, targetModules: ['c_attn'], modulesToSave: ['lm_head'] }));
    const good = join(root, 'adapter-good');
    await savePretrained(source, good);
    source.dispose();
    const config = await readFile(join(good, 'adapter_config.json'), 'utf8');
    const weights = new Uint8Array(await readFile(join(good, 'adapter_model.safetensors')));
    const dir = join(root, 'adapter');
    await mkdir(dir, { recursive: true });
    const model = tiny();
    const stats: Stats = { cases: 0, rejected: 0, loaded: 0, slowest: 0 };
    for (let i = 0; i < CASES.adapter; i++) {
      const r = rng(SEED * 1_000_003 + i);
      const which = r();
      await writeFile(join(dir, 'adapter_config.json'), which < 0.6 ? mutateJson(config, r) : config);
      await writeFile(join(dir, 'adapter_model.safetensors'), which >= 0.4 ? mutateBytes(weights, r) : weights);
      await runCase(
        `adapter case ${i}`,
        model,
        async () => {
          const flags = model.parameters().map((p) => [p, p.requiresGrad] as const);
          const modes = [...model.namedModules()].map(([, m]) => [m, m.training] as const);
          const peft = await fromPretrained(model, dir, { warn: () => {} });
          // a load that succeeds freezes the base on purpose: take the adapter out and put the flags back
          return {
            dispose: () => {
              peft.discardAdapters();
              for (const [p, requiresGrad] of flags) p.requiresGrad = requiresGrad;
              for (const [m, training] of modes) m.training = training;
            },
          };
        },
        stats,
      );
    }
    console.log('adapter folders:', stats);
    expect(stats.cases).toBe(CASES.adapter);
    model.dispose();
  }, 0);

  it('model folders (config.json, index, shards) through fromPretrained', async () => {
    const good = join(root, 'model-good');
    const m = tiny();
    await saveModel(m, good, { maxShardSize: 600 });
    m.dispose();
    const files = await readFolder(good);
    const dir = join(root, 'model');
    const holder = new Linear(2, 2); // stands for what the caller holds while loading
    const stats: Stats = { cases: 0, rejected: 0, loaded: 0, slowest: 0 };
    for (let i = 0; i < CASES.model; i++) {
      const r = rng(SEED * 2_000_003 + i);
      await writeMutatedFolder(dir, files, r);
      await runCase(`model case ${i}`, holder, () => modelFromPretrained(dir), stats);
    }
    console.log('model folders:', stats);
    holder.dispose();
  }, 0);

  it('checkpoint folders through Trainer.loadCheckpoint', async () => {
    class Net extends Module {
      readonly fc = this.registerModule('fc', new Linear(3, 2));
      forward(batch: { x: Tensor }): { loss: Tensor } {
        return { loss: this.fc.forward(batch.x).square().mean() };
      }
    }
    const model = new Net();
    const optimizer = new AdamW(model.parameters(), { lr: 0.1 });
    const loader = {
      length: 4,
      epoch: 0,
      index: 0,
      [Symbol.iterator]: () => [][Symbol.iterator](),
      nextBatch: () => {
        throw new Error('unused');
      },
      stateDict: () => ({ epoch: 0, index: 0 }),
      loadStateDict: (s: { epoch: number; index: number }) => {
        if (!Number.isInteger(s?.index) || s.index < 0 || s.index >= 4)
          throw new RangeError(`loader: bad index ${JSON.stringify(s?.index)}`);
      },
    };
    const store = fileCheckpointStore();
    const trainer = new Trainer({ model, optimizer, trainLoader: loader as never, checkpointStore: store });
    const good = join(root, 'ckpt-good');
    await trainer.saveCheckpoint(good);
    const files = await readFolder(good);
    const dir = join(root, 'ckpt');
    const stats: Stats = { cases: 0, rejected: 0, loaded: 0, slowest: 0 };
    for (let i = 0; i < CASES.checkpoint; i++) {
      const r = rng(SEED * 3_000_003 + i);
      await writeMutatedFolder(dir, files, r);
      const step = trainer.state.globalStep;
      await runCase(
        `checkpoint case ${i}`,
        model,
        async () => {
          try {
            await trainer.loadCheckpoint(dir);
          } catch (e) {
            if (trainer.state.globalStep !== step)
              throw new Error(`a failed restore changed globalStep to ${JSON.stringify(trainer.state.globalStep)}`);
            throw e;
          }
          // a successful restore changes the model on purpose: put the good checkpoint back
          await trainer.loadCheckpoint(good);
        },
        stats,
      );
    }
    console.log('checkpoint folders:', stats);
    model.dispose();
    optimizer.dispose();
  }, 0);
});
