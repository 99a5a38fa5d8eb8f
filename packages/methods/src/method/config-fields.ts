/**
 * The fields of a PEFT config: camelCase in TypeScript, Hugging Face's snake_case in
 * adapter_config.json, each with its default and its check. A config is validated once, when it
 * is created, so a wrong value fails where it was written.
 */
export type FieldKind =
  | 'int'
  | 'number'
  | 'boolean'
  | 'string'
  /** a string (a regex, or a special value such as 'all-linear') or a list of strings */
  | 'stringOrList'
  /** an integer or a list of integers */
  | 'intOrList'
  | 'stringList'
  /** an object of string keys to numbers (rank_pattern, alpha_pattern) */
  | 'numberRecord'
  /** any JSON value, kept as it is */
  | 'json';

export interface ConfigField {
  /** camelCase name in TypeScript. */
  readonly name: string;
  /** Hugging Face's name in adapter_config.json. */
  readonly hfName: string;
  readonly kind: FieldKind;
  readonly default: unknown;
  /** null is allowed (and then always valid). */
  readonly nullable?: boolean;
  /** The allowed values. */
  readonly choices?: readonly unknown[];
  /** Lower bound, inclusive unless `exclusiveMin`. */
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  /**
   * A field Hugging Face has that peft.js does not implement: it loads and saves, but only its
   * default (or null/false/empty) is accepted; the text says what is missing.
   */
  readonly unsupported?: string;
}

export type FieldOptions = Partial<Omit<ConfigField, 'name' | 'kind' | 'default'>>;

/** A field before it is named: `field.int(8, { min: 1 })`, named by its key in a config's field table. */
export type FieldSpec = Omit<ConfigField, 'name' | 'hfName'> & { readonly hfName?: string };

/**
 * A config's field table: one spec per property of `F`, by its camelCase name. The compiler
 * refuses a table that lacks a property of `F` or has one `F` does not declare, so the type and
 * the fields cannot drift apart.
 */
export type FieldSpecs<F> = { readonly [K in keyof F]-?: FieldSpec };

export const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The fields of a table, in its order, each with its name and Hugging Face's (snake_case unless `hfName` says otherwise). */
export function fieldList<F>(specs: FieldSpecs<F>): ConfigField[] {
  return Object.entries<FieldSpec>(specs).map(([name, spec]) => ({ ...spec, name, hfName: spec.hfName ?? snakeCase(name) }));
}

function make(kind: FieldKind) {
  return (defaultValue: unknown, options: FieldOptions = {}): FieldSpec => ({ kind, default: defaultValue, ...options });
}

/** Field builders: `r: field.int(8, { min: 1 })`. */
export const field = {
  int: make('int'),
  number: make('number'),
  boolean: make('boolean'),
  string: make('string'),
  stringOrList: make('stringOrList'),
  intOrList: make('intOrList'),
  stringList: make('stringList'),
  numberRecord: make('numberRecord'),
  json: make('json'),
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) || isPlainObject(v) ? JSON.stringify(v) : String(v);
}

/** The reason `value` does not fit `f`, or null when it does. */
export function fieldError(f: ConfigField, value: unknown): string | null {
  if (value === null) return f.nullable || f.default === null ? null : 'must not be null';
  const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  switch (f.kind) {
    case 'int':
      if (!isInt(value)) return 'must be an integer';
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return 'must be true or false';
      break;
    case 'string':
      if (typeof value !== 'string') return 'must be a string';
      break;
    case 'stringOrList':
      if (typeof value !== 'string' && !(Array.isArray(value) && value.every((v) => typeof v === 'string')))
        return 'must be a string or a list of strings';
      break;
    case 'intOrList':
      if (!isInt(value) && !(Array.isArray(value) && value.every(isInt))) return 'must be an integer or a list of integers';
      break;
    case 'stringList':
      if (!(Array.isArray(value) && value.every((v) => typeof v === 'string'))) return 'must be a list of strings';
      break;
    case 'numberRecord':
      if (!isPlainObject(value) || !Object.values(value).every((v) => typeof v === 'number' && Number.isFinite(v)))
        return 'must be an object of names to numbers';
      break;
    case 'json':
      break;
  }
  if (f.choices && !f.choices.includes(value)) return `must be one of ${f.choices.map(describe).join(', ')}`;
  if (typeof value === 'number') {
    if (f.min !== undefined && (f.exclusiveMin ? value <= f.min : value < f.min)) return `must be ${f.exclusiveMin ? '>' : '>='} ${f.min}`;
    if (f.max !== undefined && value > f.max) return `must be <= ${f.max}`;
  }
  return null;
}

/** Whether a value counts as "not set" for an unsupported field. */
function isUnset(f: ConfigField, value: unknown): boolean {
  if (value === null || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return JSON.stringify(value) === JSON.stringify(f.default);
}

export interface ParseOptions {
  /**
   * Where the values come from. From code (the default) an unknown field is an error; from an
   * adapter_config.json it is dropped with a warning (a newer PEFT may have added it), as PEFT does.
   */
  from?: 'code' | 'file';
  warn?: (message: string) => void;
}

/**
 * Validates `raw` (camelCase or snake_case keys) against `fields` and fills the defaults.
 * Errors name the config, the field and the value: `LoraConfig: r must be >= 1, got 0`.
 */
export function parseConfigFields(
  configName: string,
  fields: readonly ConfigField[],
  raw: Record<string, unknown>,
  options: ParseOptions = {},
): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new TypeError(`${configName}: expected an object of fields, got ${describe(raw)}`);
  const byName = new Map<string, ConfigField>();
  for (const f of fields) {
    byName.set(f.name, f);
    byName.set(f.hfName, f);
  }
  const values: Record<string, unknown> = {};
  const given = new Map<ConfigField, string>();
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const f = byName.get(key);
    if (!f) {
      if (options.from === 'file') {
        unknown.push(key);
        continue;
      }
      throw new TypeError(`${configName}: unknown field ${key}`);
    }
    const label = key === f.hfName && key !== f.name ? `${f.name} (${f.hfName})` : f.name;
    if (given.has(f)) throw new TypeError(`${configName}: ${f.name} is given twice (as ${given.get(f)} and ${key})`);
    given.set(f, key);
    const error = fieldError(f, value);
    if (error) throw new TypeError(`${configName}: ${label} ${error}, got ${describe(value)}`);
    if (f.unsupported && !isUnset(f, value))
      throw new TypeError(`${configName}: ${label} is not supported by peft.js (${f.unsupported}), got ${describe(value)}`);
    values[f.name] = value;
  }
  for (const f of fields) if (!(f.name in values)) values[f.name] = structuredClone(f.default);
  if (unknown.length > 0) (options.warn ?? console.warn)(unknownFieldsMessage(configName, unknown));
  return values;
}

/** One line however many fields a newer (or hostile) adapter_config.json adds: the first few named, the rest counted. */
function unknownFieldsMessage(configName: string, keys: readonly string[]): string {
  if (keys.length === 1) return `${configName}: unknown field ${keys[0]} in adapter_config.json is ignored`;
  const shown = 5;
  const names = keys
    .slice(0, shown)
    .map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k))
    .join(', ');
  const rest = keys.length > shown ? ` and ${keys.length - shown} more` : '';
  return `${configName}: ${keys.length} unknown fields in adapter_config.json are ignored: ${names}${rest}`;
}

/** The snake_case JSON object of a config's values, keys sorted (how PEFT writes adapter_config.json). */
export function configToJSON(
  fields: readonly ConfigField[],
  values: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra };
  for (const f of fields) out[f.hfName] = values[f.name] ?? null;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
