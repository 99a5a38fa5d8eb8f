import { ACTIVATIONS } from '@peftjs/core';
/**
 * Hugging Face configs: camelCase fields in TypeScript, HF's snake_case names in config.json.
 * Each config class lists its fields once (name in JSON, kind, default); `fromJSON` validates every
 * known field and keeps unknown ones (real config.json files carry many) so `toJSON` writes them back.
 */
export type FieldKind =
  | 'positiveInt'
  | 'nonNegativeInt'
  | 'int'
  | 'probability'
  | 'positiveNumber'
  | 'nonNegativeNumber'
  | 'bool'
  | 'string'
  | 'tokenId'
  | 'labels'
  | 'any';

export interface FieldSpec {
  json: string;
  kind: FieldKind;
  default: unknown;
  nullable?: boolean;
}

export type FieldTable = Record<string, FieldSpec>;

const DESCRIBE: Record<FieldKind, string> = {
  positiveInt: 'a positive integer',
  nonNegativeInt: 'a non-negative integer',
  int: 'an integer',
  probability: 'a number in [0, 1]',
  positiveNumber: 'a positive number',
  nonNegativeNumber: 'a non-negative number',
  bool: 'true or false',
  string: 'a string',
  tokenId: 'an integer token id or a list of them',
  labels: 'an object of label names by class index',
  any: 'a value',
};

function valid(kind: FieldKind, v: unknown): boolean {
  const n = typeof v === 'number' && Number.isFinite(v) ? v : NaN;
  switch (kind) {
    case 'positiveInt':
      return Number.isInteger(n) && n > 0;
    case 'nonNegativeInt':
      return Number.isInteger(n) && n >= 0;
    case 'int':
      return Number.isInteger(n);
    case 'probability':
      return n >= 0 && n <= 1;
    case 'positiveNumber':
      return n > 0;
    case 'nonNegativeNumber':
      return n >= 0;
    case 'bool':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'tokenId':
      return Number.isInteger(n) || (Array.isArray(v) && v.every((x) => Number.isInteger(x)));
    case 'labels':
      return (
        typeof v === 'object' &&
        v !== null &&
        !Array.isArray(v) &&
        Object.entries(v).every(([k, x]) => /^\d+$/.test(k) && typeof x === 'string')
      );
    case 'any':
      return true;
  }
}

export function configError(config: string, field: string, json: string, message: string): RangeError {
  return new RangeError(`${config}: ${field} (${json}) ${message}`);
}

/** Throws unless `name` is an activation core knows (own keys only: "__proto__" is no activation). */
export function checkActivation(config: string, field: string, json: string, name: string): void {
  if (!Object.hasOwn(ACTIVATIONS, name))
    throw configError(config, field, json, `${JSON.stringify(name)} is not one of ${Object.keys(ACTIVATIONS).join(', ')}`);
}

/** The base of every model config: field validation, unknown-field keeping, HF JSON. */
export abstract class PretrainedConfig {
  /** HF's `model_type`. */
  abstract readonly modelType: string;
  /** HF fields this class does not model, kept as read so they are written back. */
  extra: Record<string, unknown> = {};
  /** HF's `architectures` (the model classes this config was saved with). */
  architectures: string[] | null = null;

  protected abstract fields(): FieldTable;

  /** Fills every field from `init` or its default and validates it (call at the end of a subclass constructor). */
  protected init(init: Record<string, unknown>): void {
    const name = this.constructor.name;
    const table = this.fields();
    for (const key of Object.keys(init)) {
      if (!(key in table) && !['extra', 'architectures', 'modelType'].includes(key)) throw new RangeError(`${name}: unknown field ${key}`);
    }
    const self = this as unknown as Record<string, unknown>;
    for (const [key, spec] of Object.entries(table)) {
      const v = init[key] === undefined ? spec.default : init[key];
      if (v === null && spec.nullable) {
        self[key] = null;
        continue;
      }
      if (!valid(spec.kind, v))
        throw configError(
          name,
          key,
          spec.json,
          `must be ${DESCRIBE[spec.kind]}${spec.nullable ? ' or null' : ''}, got ${JSON.stringify(v)}`,
        );
      self[key] = v;
    }
    if (init.extra) this.extra = { ...(init.extra as Record<string, unknown>) };
    if (init.architectures) this.architectures = [...(init.architectures as string[])];
    this.check();
  }

  /** Checks between fields (divisibility and the like); throws naming the field. */
  protected check(): void {}

  /** The camelCase init object for a config.json object: known fields mapped, the rest kept in `extra`. */
  protected static parseJSON(table: FieldTable, json: unknown, name: string, modelType: string): Record<string, unknown> {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new TypeError(`${name}.fromJSON: expected a config object, got ${JSON.stringify(json)}`);
    const obj = json as Record<string, unknown>;
    if (obj.model_type !== undefined && obj.model_type !== modelType) {
      throw new RangeError(`${name}.fromJSON: model_type is ${JSON.stringify(obj.model_type)}, expected "${modelType}"`);
    }
    const byJson = new Map(Object.entries(table).map(([key, spec]) => [spec.json, key]));
    const init: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const key = byJson.get(k);
      if (key) init[key] = v;
      else if (k === 'architectures') {
        if (v !== null && !(Array.isArray(v) && v.every((x) => typeof x === 'string')))
          throw configError(name, 'architectures', 'architectures', `must be a list of class names, got ${JSON.stringify(v)}`);
        if (v) init.architectures = v;
      } else if (k !== 'model_type') extra[k] = v;
    }
    init.extra = extra;
    return init;
  }

  /** config.json contents with HF's names, `model_type` and `architectures`. */
  toJSON(architecture?: string): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.extra };
    const self = this as unknown as Record<string, unknown>;
    for (const [key, spec] of Object.entries(this.fields())) out[spec.json] = self[key];
    out.model_type = this.modelType;
    out.architectures = architecture ? [architecture] : this.architectures;
    if (out.architectures === null) delete out.architectures;
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  }
}

/** Label fields shared by the classification configs (HF keeps id2label; num_labels follows from it). */
export const LABEL_FIELDS: FieldTable = {
  numLabels: { json: 'num_labels', kind: 'positiveInt', default: 2 },
  id2label: { json: 'id2label', kind: 'labels', default: null, nullable: true },
  problemType: { json: 'problem_type', kind: 'string', default: null, nullable: true },
};

export function labelsJSON(numLabels: number, id2label: Record<string, string> | null): Record<string, unknown> {
  const ids = id2label ?? Object.fromEntries(Array.from({ length: numLabels }, (_, i) => [String(i), `LABEL_${i}`]));
  return { id2label: ids, label2id: Object.fromEntries(Object.entries(ids).map(([i, l]) => [l, Number(i)])) };
}

export const PROBLEM_TYPES = ['regression', 'single_label_classification', 'multi_label_classification'];
