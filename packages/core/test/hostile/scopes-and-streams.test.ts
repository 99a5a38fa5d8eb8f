import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memory, scope, setBackend, tensor, withScope, type Tensor } from '@peftjs/core';
import '@peftjs/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';
import { trainerFor } from './trainer-fixture.js';

const tick = () => new Promise((r) => setTimeout(r, 1));
const lossesOf = (t: { state: { logHistory: { loss?: number }[] } }) =>
  t.state.logHistory.filter((e) => e.loss !== undefined).map((e) => e.loss);

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'peftjs-trainer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('memory scopes belong to the task that opened them', () => {
  it('Trainer.evaluate frees every eval batch', async () => {
    const { trainer, dispose } = trainerFor(1);
    await trainer.evaluate();
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) await trainer.evaluate();
    expect(memory().numTensors).toBe(before);
    dispose();
  });

  it('two async tasks with scope() across awaits keep their own tensors', async () => {
    const before = memory().numTensors;
    const task = async (seed: number) => {
      const s = scope();
      try {
        const x = tensor([seed, seed + 1]);
        await tick();
        const y = x.mul(2);
        await tick();
        const z = y.add(1);
        await tick();
        return Array.from(await z.data());
      } finally {
        s.dispose();
      }
    };
    const [a, b] = await Promise.all([task(1), task(10)]);
    expect(a).toEqual([3, 5]);
    expect(b).toEqual([21, 23]);
    expect(memory().numTensors).toBe(before);
  });

  it('withScope binds the scope to its function only, not to the caller', async () => {
    const before = memory().numTensors;
    const inner = withScope(async () => {
      const t = tensor([1, 2]);
      await tick();
      return Array.from(await t.mul(3).data());
    });
    const outside: Tensor = tensor([4]); // made by the caller while the scope is open: not the scope's
    expect(await inner).toEqual([3, 6]);
    expect(Array.from(await outside.data())).toEqual([4]);
    outside.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('each Trainer has its own Philox stream', () => {
  it('two Trainers with dropout trained side by side give the losses each gives alone', async () => {
    const alone: (number | undefined)[][] = [];
    for (const seed of [3, 4]) {
      const run = trainerFor(seed);
      await run.trainer.train();
      alone.push(lossesOf(run.trainer));
      run.dispose();
    }
    const a = trainerFor(3);
    const b = trainerFor(4);
    await Promise.all([a.trainer.train(), b.trainer.train()]);
    expect(lossesOf(a.trainer)).toEqual(alone[0]);
    expect(lossesOf(b.trainer)).toEqual(alone[1]);
    a.dispose();
    b.dispose();
  });

  it('the stream is saved in the checkpoint: a resumed run repeats the losses bit for bit', async () => {
    const full = trainerFor(5, { maxSteps: 6 });
    await full.trainer.train();
    const expected = lossesOf(full.trainer);
    full.dispose();
    const first = trainerFor(5, { maxSteps: 3 });
    await first.trainer.train();
    await first.trainer.saveCheckpoint(join(dir, 'stream'));
    first.dispose();
    const resumed = trainerFor(99, { maxSteps: 6, seed: 5, resumeFromCheckpoint: join(dir, 'stream') });
    await resumed.trainer.train();
    expect(lossesOf(resumed.trainer)).toEqual(expected);
    resumed.dispose();
  });
});

describe('restoring a checkpoint is all or nothing', () => {
  async function broken(name: string, file: string, edit: (json: Record<string, unknown>) => unknown): Promise<string> {
    const run = trainerFor(6, { maxSteps: 2 });
    await run.trainer.train();
    const at = join(dir, name);
    await run.trainer.saveCheckpoint(at);
    run.dispose();
    const path = join(at, file);
    await writeFile(path, typeof edit === 'function' ? JSON.stringify(edit(JSON.parse(await readFile(path, 'utf8')))) : edit);
    return at;
  }

  const cases: [string, string, (j: Record<string, unknown>) => unknown, RegExp][] = [
    [
      'string-step',
      'trainer_state.json',
      (j) => ({ ...j, globalStep: '5' }),
      /trainer_state\.json: globalStep must be an integer >= 0, got "5"/,
    ],
    [
      'bad-loader',
      'trainer_state.json',
      (j) => ({ ...j, trainLoader: { epoch: 0, index: 1e9 } }),
      /DataLoader\.loadStateDict: index 1000000000/,
    ],
    ['bad-rng', 'rng_state.json', () => ({ global: { key: 'x' } }), /rng_state\.json\.global must be/],
    ['proto', 'trainer_state.json', (j) => JSON.parse(JSON.stringify(j).replace('{', '{"__proto__": {"polluted": true},')), /./],
  ];
  for (const [name, file, edit, message] of cases) {
    it(`a bad ${file} (${name}) changes nothing`, async () => {
      const at = await broken(name, file, edit);
      const run = trainerFor(8, { maxSteps: 4 });
      const weights = await Promise.all(run.model.parameters().map(async (p) => Array.from(await p.data())));
      const loader = JSON.stringify(
        (run.trainer as unknown as { options: { trainLoader: { stateDict(): unknown } } }).options.trainLoader.stateDict(),
      );
      const load = run.trainer.loadCheckpoint(at);
      if (name === 'proto') {
        await load;
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getPrototypeOf(run.trainer.state)).toBe(Object.prototype);
      } else {
        await expect(load).rejects.toThrow(message);
        expect(run.trainer.state.globalStep).toBe(0);
        expect(await Promise.all(run.model.parameters().map(async (p) => Array.from(await p.data())))).toEqual(weights);
        expect(
          JSON.stringify(
            (run.trainer as unknown as { options: { trainLoader: { stateDict(): unknown } } }).options.trainLoader.stateDict(),
          ),
        ).toBe(loader);
      }
      run.dispose();
    });
  }
});
