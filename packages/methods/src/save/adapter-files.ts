import { loadSafetensors, saveSafetensors, type Module, type Tensor } from '@peftjs/core';
import { PeftModel } from '../peft-model.js';
import { adapterStateDict, loadAdapterStateDict } from './adapter-state.js';
import { getPeftMethod } from '../method/registry.js';
import type { PeftConfig } from '../method/peft-config.js';

export const ADAPTER_CONFIG_NAME = 'adapter_config.json';
export const ADAPTER_WEIGHTS_NAME = 'adapter_model.safetensors';

/** An adapter in PEFT's format: the two files' contents. */
export interface AdapterFiles {
  /** adapter_config.json's text. */
  config: string;
  /** adapter_model.safetensors's bytes. */
  weights: Uint8Array;
}

/** A config from adapter_config.json's object, through the registry (fields PEFT added later are dropped with a warning). */
export function configFromJSON(json: unknown, warn?: (message: string) => void): PeftConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TypeError('adapter_config.json: expected a JSON object');
  const { peft_type: peftType, ...fields } = json as Record<string, unknown>;
  if (typeof peftType !== 'string') throw new TypeError('adapter_config.json: peft_type is missing or not a string');
  const method = getPeftMethod(peftType);
  return new method.configClass(fields, { from: 'file', warn });
}

/** adapter_config.json's text for a config (keys sorted, two-space indent like PEFT). */
export function configToText(config: PeftConfig): string {
  return `${JSON.stringify(config.toJSON(), null, 2)}\n`;
}

export interface SaveAdapterOptions {
  /**
   * The adapter's files as saved right after its initialisation (PEFT's
   * path_initial_model_for_weight_conversion): a PiSSA or OLoRA adapter is then saved as a plain
   * LoRA adapter of the original base weights (rank and alpha doubled), which needs no residual base.
   */
  initialAdapter?: AdapterFiles;
  /** The base model's name or path to write (default: the config's). */
  baseModelNameOrPath?: string | null;
}

/** The adapter's two files, as PEFT's save_pretrained writes them. */
export async function saveAdapterFiles(
  peft: PeftModel,
  adapterName = peft.activeAdapter,
  options: SaveAdapterOptions = {},
): Promise<AdapterFiles> {
  let config = peft.peftConfig[adapterName];
  if (!config) throw new Error(`saveAdapter: no adapter '${adapterName}'; adapters: ${Object.keys(peft.peftConfig).join(', ')}`);
  let state = adapterStateDict(peft, adapterName);
  // tensors made for the file (AdaLoRA's rank cut, prompt methods' encoder outputs) are freed after writing
  const own = new Set(peft.stateDict().values());
  const made: Tensor[] = [...state.values()].filter((t) => !own.has(t));
  try {
    if (options.initialAdapter) {
      const initial = parseAdapterFiles(options.initialAdapter);
      try {
        const converted = peft.strategy.convertMutatedInit(adapterName, state, initial.state);
        if (!converted)
          throw new TypeError(
            `saveAdapter: initialAdapter is for adapters whose init changes the base (PiSSA, OLoRA); ${peft.peftType} has no such conversion`,
          );
        made.push(...converted.made);
        state = converted.state;
        config = converted.config;
      } finally {
        for (const t of initial.state.values()) t.dispose();
      }
    }
    const weights = await saveSafetensors(state, { format: 'pt' });
    const baseModelNameOrPath = options.baseModelNameOrPath === undefined ? config.baseModelNameOrPath : options.baseModelNameOrPath;
    return { config: configToText(config.with({ inferenceMode: true, baseModelNameOrPath })), weights };
  } finally {
    for (const t of made) t.dispose();
  }
}

/** adapter_config.json's text as a config. */
export function parseAdapterConfig(text: string, warn?: (message: string) => void): PeftConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SyntaxError(`adapter_config.json: not valid JSON (${(err as Error).message})`);
  }
  return configFromJSON(json, warn);
}

/** Parses the two files; the tensors are new (the caller owns them). */
export function parseAdapterFiles(
  files: AdapterFiles,
  warn?: (message: string) => void,
): { config: PeftConfig; state: Map<string, Tensor> } {
  const config = parseAdapterConfig(files.config, warn);
  return { config, state: loadSafetensors(files.weights) };
}

/** A parsed adapter: its config and its tensors (read from bytes, or range by range from a file). */
export interface ParsedAdapter {
  config: PeftConfig;
  state: Map<string, Tensor>;
}

export interface LoadAdapterOptions {
  /** Train the loaded adapter (default false: inference mode, as PEFT). */
  isTrainable?: boolean;
  warn?: (message: string) => void;
}

/**
 * Adds a saved adapter to a PEFT model (PEFT's load_adapter). If the files do not fit, the
 * model is left as it was.
 */
export function loadAdapterFiles(peft: PeftModel, files: AdapterFiles, adapterName: string, options: LoadAdapterOptions = {}): void {
  loadParsedAdapter(peft, parseAdapterFiles(files, options.warn), adapterName, options);
}

/** loadAdapterFiles for an adapter already parsed; its tensors are freed here. */
export function loadParsedAdapter(
  peft: PeftModel,
  { config, state }: ParsedAdapter,
  adapterName: string,
  options: LoadAdapterOptions = {},
): void {
  try {
    const flags = recordFlags(peft);
    peft.addAdapter(adapterName, config.with({ inferenceMode: !options.isTrainable }), { loading: true });
    try {
      loadAdapterStateDict(peft, adapterName, state);
    } catch (err) {
      peft.deleteAdapter(adapterName);
      flags.restore();
      throw err;
    }
  } finally {
    for (const t of state.values()) t.dispose();
  }
}

/** Every parameter's requiresGrad and every module's training mode, to put back after a failed load. */
function recordFlags(model: Module): { restore(): void } {
  const params = model.parameters().map((p) => [p, p.requiresGrad] as const);
  const modules = [...model.namedModules()].map(([, m]) => [m, m.training] as const);
  return {
    restore() {
      for (const [p, flag] of params) p.requiresGrad = flag;
      for (const [m, training] of modules) m.training = training;
    },
  };
}

/** A PEFT model from a base model and saved adapter files (PEFT's PeftModel.from_pretrained). */
export function peftModelFromFiles<M extends Module>(
  model: M,
  files: AdapterFiles,
  options: LoadAdapterOptions & { adapterName?: string } = {},
): PeftModel<M> {
  return peftModelFromParsed(model, parseAdapterFiles(files, options.warn), options);
}

/** peftModelFromFiles for an adapter already parsed; its tensors are freed here. */
export function peftModelFromParsed<M extends Module>(
  model: M,
  { config, state }: ParsedAdapter,
  options: LoadAdapterOptions & { adapterName?: string } = {},
): PeftModel<M> {
  const adapterName = options.adapterName ?? 'default';
  const flags = recordFlags(model);
  try {
    const peft = new PeftModel(model, config.with({ inferenceMode: !options.isTrainable }), adapterName, { loading: true });
    try {
      loadAdapterStateDict(peft, adapterName, state);
    } catch (err) {
      // not unload(): that keeps the trained copies of modules_to_save and frees the originals
      peft.discardAdapters();
      flags.restore();
      throw err;
    }
    return peft;
  } finally {
    for (const t of state.values()) t.dispose();
  }
}
