import type { PretrainedConfig } from './config.js';
import type { PreTrainedModel } from './modeling.js';

export interface ModelFamily {
  modelType: string;
  configFromJSON(json: unknown): PretrainedConfig;
  /** Model classes by HF architecture name; the first is used when config.json names none. */
  classes: Record<string, new (config: any) => PreTrainedModel>;
}

const families = new Map<string, ModelFamily>();

/** Makes a model family loadable by `loadPretrained` (the four built-in ones are registered on import). */
export function registerModelFamily(family: ModelFamily): void {
  families.set(family.modelType, family);
}

/** The model class and config for a config.json: by `architectures` when known, else by `model_type`. */
export function resolveModel(json: unknown): { config: PretrainedConfig; Model: new (config: any) => PreTrainedModel } {
  const obj = (typeof json === 'object' && json !== null ? json : {}) as { model_type?: unknown; architectures?: unknown };
  const archs = Array.isArray(obj.architectures) ? obj.architectures.filter((a): a is string => typeof a === 'string') : [];
  let family = typeof obj.model_type === 'string' ? families.get(obj.model_type) : undefined;
  // own properties only: "constructor" or "__proto__" in architectures names no class
  const has = (f: ModelFamily, a: string) => Object.hasOwn(f.classes, a);
  if (!family) family = [...families.values()].find((f) => archs.some((a) => has(f, a)));
  if (!family) {
    throw new RangeError(
      `loadPretrained: unknown model_type ${JSON.stringify(obj.model_type)} (architectures ${JSON.stringify(obj.architectures)}); known: ${[...families.keys()].join(', ')}`,
    );
  }
  const name = archs.find((a) => has(family, a));
  if (archs.length > 0 && !name) {
    throw new RangeError(
      `loadPretrained: architectures ${JSON.stringify(archs)} are not supported for ${family.modelType}; supported: ${Object.keys(family.classes).join(', ')}`,
    );
  }
  const Model = family.classes[name ?? Object.keys(family.classes)[0]];
  return { config: family.configFromJSON(json), Model };
}
