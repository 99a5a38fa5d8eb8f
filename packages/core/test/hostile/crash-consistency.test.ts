/**
 * Crash consistency of checkpoints: a child process saving a checkpoint after every step is
 * SIGKILLed at each commit point of a save (between each file's write and its rename, before the
 * folder or pointer moves) and at random moments. After every kill the newest complete checkpoint
 * must load and resume with losses bit-identical to an uninterrupted run, and the next save must
 * leave no temporary folder behind. Random kills land at a uniform moment of the training itself
 * (timed once per mode by an uncut run); PEFTJS_CRASH_RANDOM_KILLS sets how many per mode (default 2).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend } from '@peftjs/core';
import '@peftjs/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@peftjs/backend-cpu';
import { trainerFor } from './trainer-fixture.js';

const STEPS = 4;
const here = fileURLToPath(new URL('.', import.meta.url));
const child = join(here, 'checkpoint-child.ts');
const tsx = new URL('../../../../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;
const RANDOM_KILLS = Number(process.env.PEFTJS_CRASH_RANDOM_KILLS ?? 2);

let root: string;
let reference: number[];
let kills = 0;

const lossesOf = (history: { step: number; loss?: number }[]) =>
  history.filter((e) => e.loss !== undefined).map((e) => [e.step, e.loss!] as const);

beforeAll(async () => {
  await setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'peftjs-crash-'));
  const run = trainerFor(11, { maxSteps: STEPS + 1 });
  await run.trainer.train();
  reference = lossesOf(run.trainer.state.logHistory).map(([, l]) => l);
  run.dispose();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  console.log(`crash consistency: ${kills} kills`);
});

/** Runs the child; kills it `afterMs` after it starts training when given. Resolves with how it ended and how long it trained. */
function runChild(
  dir: string,
  mode: string,
  killAt: number,
  afterMs?: number,
): Promise<{ signal: NodeJS.Signals | null; out: string; trainedMs: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', tsx, child, dir, mode, String(STEPS), String(killAt)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TSX_TSCONFIG_PATH: join(here, 'child.tsconfig.json') },
    });
    let out = '';
    let started = 0;
    p.stdout.on('data', (d) => {
      out += d;
      if (started === 0 && out.includes('training\n')) {
        started = performance.now();
        if (afterMs !== undefined) setTimeout(() => p.kill('SIGKILL'), afterMs);
      }
    });
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      const trainedMs = started ? performance.now() - started : 0;
      if (code === 0 || signal) resolve({ signal, out, trainedMs });
      else reject(new Error(`child failed (${code}): ${out}`));
    });
  });
}

/** The newest checkpoint a reader finds (fresh folders: the highest complete step; same: the one folder). */
async function newest(dir: string, mode: string): Promise<string | null> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if (mode === 'same') return names.includes('checkpoint') ? join(dir, 'checkpoint') : null;
  const steps = names
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter(Boolean)
    .map((m) => Number(m![1]));
  return steps.length ? join(dir, `checkpoint-${Math.max(...steps)}`) : null;
}

/** Resumes from the newest checkpoint, checks the losses, saves again and checks nothing stale is left. */
async function checkAfterKill(dir: string, mode: string): Promise<void> {
  const from = await newest(dir, mode);
  if (from === null) return; // killed before the first checkpoint was complete: nothing to resume
  // the resumed run saves as the killed one did, so the next save of each folder happens
  const run = trainerFor(12, {
    maxSteps: STEPS + 1,
    seed: 11,
    resumeFromCheckpoint: from,
    callbacks: [
      { onLog: ({ trainer, state }) => trainer.saveCheckpoint(mode === 'fresh' ? join(dir, `checkpoint-${state.globalStep}`) : from) },
    ],
  });
  await run.trainer.train();
  const resumed = lossesOf(run.trainer.state.logHistory).filter(([step]) => step <= STEPS);
  for (const [step, loss] of resumed) expect(loss).toBe(reference[step - 1]);
  run.dispose();
  const stale = [...(await readdir(dir)), ...(await readdir(from)).map((n) => `${from}/${n}`)].filter(
    (n) => /\.(tmp|old)$/.test(n) || /\.v-[0-9a-f]+\.tmp/.test(n),
  );
  expect(stale).toEqual([]);
  const versions = (await readdir(from)).filter((n) => n.startsWith('.v-'));
  expect(versions.length).toBeLessThanOrEqual(1);
}

describe('checkpoints survive SIGKILL at any point', () => {
  for (const mode of ['fresh', 'same']) {
    // fresh folders: 6 files and the folder rename a save; the same folder: 6 files, the version
    // rename, the pointer and the cleanup. Points of the second and third saves are hit.
    const perSave = mode === 'fresh' ? 7 : 9;
    for (let point = perSave; point < 2 * perSave + 2; point++) {
      it(`${mode}: killed at commit point ${point}`, async () => {
        const dir = join(root, `${mode}-${point}`);
        const { signal } = await runChild(dir, mode, point);
        expect(signal).toBe('SIGKILL');
        kills++;
        await checkAfterKill(dir, mode);
      }, 60_000);
    }
    let trainingMs = 0;
    if (RANDOM_KILLS > 0) {
      it(`${mode}: an uncut run, timed for the random kills`, async () => {
        const { signal, out, trainedMs } = await runChild(join(root, `${mode}-uncut`), mode, -1);
        expect(signal).toBeNull();
        expect(out).toMatch(/done \d+/);
        trainingMs = trainedMs;
      }, 60_000);
    }
    for (let i = 0; i < RANDOM_KILLS; i++) {
      it(`${mode}: killed at a random moment (${i})`, async () => {
        const dir = join(root, `${mode}-random-${i}`);
        const { signal } = await runChild(dir, mode, -1, Math.random() * trainingMs);
        if (signal) kills++;
        await checkAfterKill(dir, mode);
      }, 60_000);
    }
  }
});
