import { loadSafetensors, readSafetensors, tensor, type Module, type Tensor } from '@peftjs/core';
import { loadPretrained, memorySource } from '@peftjs/models';
import { configFromJSON, getPeftModel, type PeftModel } from '@peftjs/methods';
import { isGoldenFileMissing, type GoldenSource } from '../golden/files.js';
import { TinyNet } from './tiny-net.js';

/** One case of `<golden>/peft/<name>/` (see the golden README for the files). */
export interface PeftGoldenCase {
  readonly name: string;
  readonly meta: PeftCaseMeta;
  /** adapter_config.json's text as PEFT wrote it. */
  readonly adapterConfig: string;
  /** Reads one file of the case (cached). */
  bytes(file: string): Promise<Uint8Array>;
  /** Reads one safetensors file of the case as new tensors on the active backend (the caller disposes them). */
  tensors(file: string): Promise<Map<string, Tensor>>;
  has(file: string): Promise<boolean>;
  /** A safetensors file's values as float64 numbers, without making tensors (expected values, float64 twins included). */
  arrays(file: string): Promise<Map<string, GoldenArray>>;
}

export interface GoldenArray {
  values: Float64Array;
  shape: number[];
  /** The safetensors dtype ('F32', 'F64', ...). */
  dtype: string;
}

export interface PeftCaseMeta {
  base: 'tinynet' | 'llama' | 'gpt2' | string;
  case: string;
  config_class: string;
  checks: {
    disable_adapter_minus_base_maxabs?: number;
    merged_changed_keys?: string[];
    n_trainable_tensors?: number;
    [k: string]: unknown;
  };
  trainable: string[];
  notes: string[];
}

/** The names of the PEFT cases the golden index lists as working (those have a folder). */
export async function peftCaseNames(source: GoldenSource): Promise<string[]> {
  const index = JSON.parse(await source.readText('index.json')) as { cases?: Record<string, { status?: string }> };
  return Object.entries(index.cases ?? {})
    .filter(([, c]) => c.status === 'works')
    .map(([name]) => name)
    .sort();
}

export async function openPeftCase(source: GoldenSource, name: string): Promise<PeftGoldenCase> {
  const cache = new Map<string, Promise<Uint8Array>>();
  const bytes = (file: string) => {
    let p = cache.get(file);
    if (!p) {
      p = source.readBytes(`peft/${name}/${file}`);
      cache.set(file, p);
    }
    return p;
  };
  const meta = JSON.parse(await source.readText(`peft/${name}/meta.json`)) as PeftCaseMeta;
  const adapterConfig = await source.readText(`peft/${name}/adapter_config.json`);
  return {
    name,
    meta,
    adapterConfig,
    bytes,
    tensors: async (file) => loadSafetensors(await bytes(file)),
    arrays: async (file) => {
      const parsed = readSafetensors(await bytes(file));
      return new Map(
        [...parsed.tensors].map(([k, e]) => [
          k,
          { values: Float64Array.from(e.data as ArrayLike<number | bigint>, Number), shape: [...e.shape], dtype: e.dtype },
        ]),
      );
    },
    has: async (file) => {
      try {
        await bytes(file);
        return true;
      } catch (err) {
        cache.delete(file);
        if (isGoldenFileMissing(err)) return false;
        throw err;
      }
    },
  };
}

/** The case's base model, untouched, with `base_model.safetensors` loaded, in `dtype`. */
export async function loadBaseModel(c: PeftGoldenCase, dtype: 'float32' | 'float64' = 'float32'): Promise<Module> {
  let model: Module;
  if (c.meta.base === 'tinynet') {
    model = new TinyNet();
    const state = await c.tensors('base_model.safetensors');
    try {
      model.loadStateDict(state);
    } finally {
      for (const t of state.values()) t.dispose();
    }
  } else {
    const config = await c.bytes('base_config.json');
    model = await loadPretrained(memorySource({ 'config.json': config, 'model.safetensors': await c.bytes('base_model.safetensors') }));
  }
  if (dtype === 'float64') model.to('float64');
  return model.eval();
}

/**
 * The PEFT model exactly as PEFT used it for the outputs: the base, the config from
 * adapter_config.json (trainable), and every tensor of `peft_state.safetensors` (adapter tensors
 * and, for PiSSA/OLoRA, the changed base weights), then cast to `dtype` (PEFT's model.double()).
 */
export async function loadPeftModel(c: PeftGoldenCase, dtype: 'float32' | 'float64' = 'float32'): Promise<PeftModel> {
  const base = await loadBaseModel(c);
  const config = configFromJSON(JSON.parse(c.adapterConfig)).with({ inferenceMode: false });
  const peft = getPeftModel(base, config);
  const state = await c.tensors('peft_state.safetensors');
  try {
    const { missingKeys } = peft.loadStateDict(state, { strict: false });
    if (missingKeys.length > 0)
      throw new Error(`${c.name}: peft_state.safetensors lacks tensors the PEFT model has: ${missingKeys.join(', ')}`);
  } finally {
    for (const t of state.values()) t.dispose();
  }
  if (dtype === 'float64') peft.to('float64');
  return peft.eval();
}

/** The case's inputs as forward arguments, in `dtype` for float inputs. */
export async function loadInputs(
  c: PeftGoldenCase,
  dtype: 'float32' | 'float64' = 'float32',
): Promise<{ args: unknown[]; dispose(): void }> {
  const input = await c.tensors('input.safetensors');
  const made: Tensor[] = [...input.values()];
  const x = input.get('x');
  if (x) {
    const cast = dtype === 'float64' ? x.cast('float64') : x;
    if (cast !== x) made.push(cast);
    return { args: [cast], dispose: () => made.forEach((t) => t.dispose()) };
  }
  const inputIds = input.get('input_ids');
  if (!inputIds) throw new Error(`${c.name}: input.safetensors has neither x nor input_ids`);
  const attentionMask = input.get('attention_mask') ?? null;
  return { args: [{ inputIds, attentionMask }], dispose: () => made.forEach((t) => t.dispose()) };
}

/** The model's output tensor: the tensor itself (TinyNet) or `logits` (HF models). */
export function outputTensor(out: unknown): Tensor {
  if (out && typeof out === 'object' && 'logits' in out) return (out as { logits: Tensor }).logits;
  return out as Tensor;
}

/** A fixed tensor shaped like `like` (the target of the small training task). */
export function targetLike(like: Tensor, seed = 3): Tensor {
  const n = like.size;
  const values = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    values[i] = (s / 2 ** 32) * 2 - 1;
  }
  return tensor(values, { shape: like.shape });
}
