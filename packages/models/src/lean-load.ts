/**
 * Loading that allocates each weight once: the model is made under initEmptyWeights (shapes and
 * dtypes, no storage), every shard's header is read and checked against it before any tensor is,
 * then tensors are read one at a time, by range, straight onto the target backend in the model's
 * dtype, and each becomes its parameter's storage. At no point does a second copy of the model
 * exist, on the backend or in JS memory; the transient is one tensor's bytes.
 */
import { activeBackend, isMeta, type SafetensorsHandle, type Tensor, tidy } from '@peftjs/core';
import type { PreTrainedModel } from './modeling.js';

/** Opens the checkpoint's safetensors files lazily, one handle per shard, each with the keys it serves. */
export type ShardOpener = () => Promise<{
  shards: { file: string; keys: ReadonlySet<string> | null }[];
  open(file: string, floatDType: 'float32' | 'float64'): Promise<SafetensorsHandle>;
}>;

/**
 * Streams the checkpoint into `model` (made under initEmptyWeights); all names and shapes are
 * checked first. `loaded` runs after each parameter got its values (quantizing while loading).
 */
export async function streamWeights(
  model: PreTrainedModel,
  opener: ShardOpener,
  loaded?: (target: Tensor) => Promise<void>,
): Promise<void> {
  const { shards, open } = await opener();
  const own = model.stateDict();
  const floatDType = [...own.values()].some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  // first pass: headers only, so a bad checkpoint fails before any tensor is read
  const shapes = new Map<string, readonly number[]>();
  const where = new Map<string, string>();
  for (const { file, keys } of shards) {
    const handle = await open(file, floatDType);
    try {
      for (const key of handle.keys()) {
        if (keys && !keys.has(key)) continue;
        shapes.set(key, handle.info(key).shape);
        where.set(key, file);
      }
    } finally {
      await handle.close();
    }
  }
  for (const { keys } of shards) {
    const absent = keys ? [...keys].filter((k) => !shapes.has(k)) : [];
    if (absent.length > 0) throw new Error(`loadPretrained: the index names tensors its shards lack: ${absent.slice(0, 5).join(', ')}`);
  }
  const plan = model.checkpointPlan(shapes);
  const backend = activeBackend();
  for (const { file } of shards) {
    const handle = await open(file, floatDType);
    try {
      for (const [key, name] of plan) {
        if (where.get(key) !== file) continue;
        const target = own.get(name)!;
        const value = await handle.get(key);
        place(target, value);
        await loaded?.(target);
      }
    } finally {
      await handle.close();
    }
  }
  model.initMissingWeights(backend);
  const empty = [...own].filter(([, t]) => isMeta(t)).map(([k]) => k);
  if (empty.length > 0)
    throw new Error(
      `loadPretrained: ${model.architecture} still has weights without values after loading: ${empty.slice(0, 5).join(', ')}`,
    );
}

/** Makes `value` the storage of `target` (cast when the stored dtype differs), then drops the handle. */
function place(target: Tensor, value: Tensor): void {
  try {
    if (value.dtype === target.dtype) target.assign(value);
    else tidy(() => target.assign(value.cast(target.dtype)));
  } finally {
    value.dispose();
  }
}
