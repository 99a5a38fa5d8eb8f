import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict, ParamState } from '../optim/optimizer.js';
import type { LRScheduler, LRSchedulerState } from '../optim/lr-scheduler.js';
import type { DataLoaderState } from '../data/data-loader.js';
import { loadSafetensors, saveSafetensors } from '../io/tensors.js';
import { dispose } from '../memory/scope.js';
import { noGrad } from '../autograd/grad-mode.js';
import { clone } from '../ops/views.js';
import type { Generator } from '../random/generator.js';
import { parseRngState, rngStateOf } from './rng-state.js';

/** The files of a checkpoint folder. */
export const CHECKPOINT_FILES = {
  model: 'model.safetensors',
  optimizerTensors: 'optimizer.safetensors',
  optimizer: 'optimizer.json',
  scheduler: 'scheduler.json',
  rng: 'rng_state.json',
  trainerState: 'trainer_state.json',
} as const;

/** What a checkpoint restores besides the model and optimizer. */
export interface CheckpointParts {
  model: Module;
  optimizer: Optimizer<any>;
  scheduler?: LRScheduler;
  /** Philox streams besides the global one (a Trainer's, each model's dropout), saved by name. */
  generators?: ReadonlyMap<string, Generator>;
  /** The trainer's own state (step, epoch, loader position, logs): JSON values only. */
  trainerState: Record<string, unknown>;
}

export interface RestoredCheckpoint {
  trainerState: Record<string, unknown>;
  loader?: DataLoaderState;
}

/** Serializes model weights, optimizer state, scheduler, RNG and trainer state into named files. */
export async function checkpointFiles(parts: CheckpointParts): Promise<Map<string, Uint8Array | string>> {
  const files = new Map<string, Uint8Array | string>();
  files.set(CHECKPOINT_FILES.model, await saveSafetensors(parts.model.stateDict()));
  const { state, paramGroups } = parts.optimizer.stateDict();
  const tensors = new Map<string, Tensor>();
  const steps: Record<number, { step: number }> = {};
  for (const [index, entry] of Object.entries(state)) {
    steps[Number(index)] = { step: entry.step };
    for (const [name, t] of Object.entries(entry.tensors)) tensors.set(`state.${index}.${name}`, t);
  }
  files.set(CHECKPOINT_FILES.optimizerTensors, await saveSafetensors(tensors));
  files.set(CHECKPOINT_FILES.optimizer, json({ name: parts.optimizer.name, state: steps, param_groups: paramGroups }));
  if (parts.scheduler) files.set(CHECKPOINT_FILES.scheduler, json(parts.scheduler.stateDict()));
  files.set(CHECKPOINT_FILES.rng, json(rngStateOf(engine().generator, parts.generators)));
  files.set(CHECKPOINT_FILES.trainerState, json(parts.trainerState));
  return files;
}

/**
 * Restores a checkpoint read with `read(name)`: every file is read and parsed before anything
 * changes; if any part does not fit, the model, optimizer and scheduler are left as they were.
 * `commit(trainerState)` applies the caller's own part (loader position, step) last: if it throws,
 * everything restored before it is rolled back too, so a restore is all or nothing.
 */
export async function restoreCheckpoint(
  parts: Omit<CheckpointParts, 'trainerState'>,
  read: (name: string) => Promise<Uint8Array>,
  commit?: (trainerState: Record<string, unknown>) => void,
): Promise<Record<string, unknown>> {
  const text = async (name: string) => {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(await read(name)));
    } catch (e) {
      throw new Error(`restoreCheckpoint: ${name} is not valid JSON (${(e as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`restoreCheckpoint: ${name} must hold a JSON object`);
    return value as Record<string, unknown>;
  };
  const optimizerJson = (await text(CHECKPOINT_FILES.optimizer)) as {
    name?: string;
    state: Record<string, { step: number }>;
    param_groups: OptimizerStateDict['paramGroups'];
  };
  const schedulerState = parts.scheduler ? ((await text(CHECKPOINT_FILES.scheduler)) as unknown as LRSchedulerState) : null;
  const rng = parseRngState(await text(CHECKPOINT_FILES.rng), parts.generators);
  const trainerState = await text(CHECKPOINT_FILES.trainerState);
  const entries = optimizerJson.state;
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
    throw new Error(`restoreCheckpoint: ${CHECKPOINT_FILES.optimizer}: state must be an object, got ${JSON.stringify(entries)}`);
  for (const [index, entry] of Object.entries(entries)) {
    if (!/^\d+$/.test(index) || typeof entry !== 'object' || entry === null || !Number.isSafeInteger(entry.step) || entry.step < 0) {
      throw new Error(
        `restoreCheckpoint: ${CHECKPOINT_FILES.optimizer}: state[${JSON.stringify(index)}] must be { step: integer >= 0 }, got ${JSON.stringify(entry)?.slice(0, 100)}`,
      );
    }
  }
  if (
    !Array.isArray(optimizerJson.param_groups) ||
    !optimizerJson.param_groups.every((g) => typeof g === 'object' && g !== null && !Array.isArray(g))
  ) {
    throw new Error(`restoreCheckpoint: ${CHECKPOINT_FILES.optimizer}: param_groups must be an array of objects`);
  }
  if (optimizerJson.name && optimizerJson.name !== parts.optimizer.name) {
    throw new Error(`restoreCheckpoint: the checkpoint holds ${optimizerJson.name} state, the optimizer is ${parts.optimizer.name}`);
  }
  const weights = loadSafetensors(await read(CHECKPOINT_FILES.model));
  let optimizerTensors: Map<string, Tensor>;
  try {
    optimizerTensors = loadSafetensors(await read(CHECKPOINT_FILES.optimizerTensors));
  } catch (e) {
    dispose(weights);
    throw e;
  }
  try {
    const state: Record<number, ParamState> = {};
    for (const [index, { step }] of Object.entries(optimizerJson.state)) state[Number(index)] = { step, tensors: {} };
    for (const [key, t] of optimizerTensors) {
      const match = /^state\.(\d+)\.(.+)$/.exec(key);
      const entry = match ? state[Number(match[1])] : undefined;
      if (!match || !entry) throw new Error(`restoreCheckpoint: unexpected optimizer tensor '${key}'`);
      entry.tensors[match[2]] = t;
    }
    // Each part checks before it writes; a later part failing rolls back the earlier ones.
    const modelBefore = snapshot(parts.model.stateDict());
    try {
      parts.model.loadStateDict(weights);
      const optimizerBefore = snapshotOptimizer(parts.optimizer.stateDict());
      try {
        parts.optimizer.loadStateDict({ state, paramGroups: optimizerJson.param_groups });
        if (schedulerState) parts.scheduler!.loadStateDict(schedulerState);
        commit?.(trainerState);
      } catch (e) {
        parts.optimizer.loadStateDict(optimizerBefore);
        throw e;
      } finally {
        for (const entry of Object.values(optimizerBefore.state)) dispose(Object.values(entry.tensors));
      }
    } catch (e) {
      parts.model.loadStateDict(modelBefore);
      throw e;
    } finally {
      dispose(modelBefore);
    }
    rng.apply(engine().generator);
  } finally {
    dispose(weights);
    dispose(optimizerTensors);
  }
  return trainerState;
}

function snapshot(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  return noGrad(() => new Map([...tensors].map(([k, t]) => [k, engine().keep(clone(t))])));
}

function snapshotOptimizer(dict: OptimizerStateDict): OptimizerStateDict {
  const state: Record<number, ParamState> = {};
  for (const [i, entry] of Object.entries(dict.state)) {
    state[Number(i)] = { step: entry.step, tensors: Object.fromEntries(snapshot(new Map(Object.entries(entry.tensors)))) };
  }
  return { state, paramGroups: dict.paramGroups.map((g) => ({ ...g })) };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
