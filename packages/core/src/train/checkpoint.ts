import { engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import type { Module } from '../nn/module.js';
import type { Optimizer, OptimizerStateDict, ParamState } from '../optim/optimizer.js';
import type { LRScheduler, LRSchedulerState } from '../optim/lr-scheduler.js';
import type { DataLoaderState } from '../data/data-loader.js';
import { loadSafetensors, saveSafetensors } from '../io/tensors.js';
import { dispose } from '../memory/scope.js';

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
  files.set(CHECKPOINT_FILES.rng, json(engine().generator.getState()));
  files.set(CHECKPOINT_FILES.trainerState, json(parts.trainerState));
  return files;
}

/**
 * Restores a checkpoint read with `read(name)`: every file is read and parsed before anything
 * changes; the model and the optimizer each check shapes before writing.
 */
export async function restoreCheckpoint(parts: Omit<CheckpointParts, 'trainerState'>, read: (name: string) => Promise<Uint8Array>): Promise<Record<string, unknown>> {
  const text = async (name: string) => JSON.parse(new TextDecoder().decode(await read(name))) as Record<string, unknown>;
  const optimizerJson = (await text(CHECKPOINT_FILES.optimizer)) as { name?: string; state: Record<string, { step: number }>; param_groups: OptimizerStateDict['paramGroups'] };
  const schedulerState = parts.scheduler ? ((await text(CHECKPOINT_FILES.scheduler)) as unknown as LRSchedulerState) : null;
  const rng = (await text(CHECKPOINT_FILES.rng)) as { key: [number, number]; counter: number };
  const trainerState = await text(CHECKPOINT_FILES.trainerState);
  if (optimizerJson.name && optimizerJson.name !== parts.optimizer.name) {
    throw new Error(`restoreCheckpoint: the checkpoint holds ${optimizerJson.name} state, the optimizer is ${parts.optimizer.name}`);
  }
  const weights = loadSafetensors(await read(CHECKPOINT_FILES.model));
  const optimizerTensors = loadSafetensors(await read(CHECKPOINT_FILES.optimizerTensors));
  try {
    const state: Record<number, ParamState> = {};
    for (const [index, { step }] of Object.entries(optimizerJson.state)) state[Number(index)] = { step, tensors: {} };
    for (const [key, t] of optimizerTensors) {
      const match = /^state\.(\d+)\.(.+)$/.exec(key);
      const entry = match ? state[Number(match[1])] : undefined;
      if (!match || !entry) throw new Error(`restoreCheckpoint: unexpected optimizer tensor '${key}'`);
      entry.tensors[match[2]] = t;
    }
    parts.model.loadStateDict(weights);
    parts.optimizer.loadStateDict({ state, paramGroups: optimizerJson.param_groups });
    if (schedulerState) parts.scheduler!.loadStateDict(schedulerState);
    engine().generator.setState(rng);
  } finally {
    dispose(weights);
    dispose(optimizerTensors);
  }
  return trainerState;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
