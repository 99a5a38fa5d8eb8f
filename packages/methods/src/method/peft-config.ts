import {
  configToJSON,
  field,
  fieldList,
  parseConfigFields,
  type ConfigField,
  type FieldSpecs,
  type ParseOptions,
} from './config-fields.js';

export interface CommonConfigFields {
  taskType: 'SEQ_CLS' | 'SEQ_2_SEQ_LM' | 'CAUSAL_LM' | 'TOKEN_CLS' | 'QUESTION_ANS' | 'FEATURE_EXTRACTION' | null;
  baseModelNameOrPath: string | null;
  revision: string | null;
  inferenceMode: boolean;
  autoMapping: unknown;
  peftVersion: string | null;
}

/** The fields every PEFT config has (PEFT's PeftConfigMixin and PeftConfig). */
export const COMMON_CONFIG_FIELDS: FieldSpecs<CommonConfigFields> = {
  taskType: field.string(null, {
    nullable: true,
    choices: ['SEQ_CLS', 'SEQ_2_SEQ_LM', 'CAUSAL_LM', 'TOKEN_CLS', 'QUESTION_ANS', 'FEATURE_EXTRACTION'],
  }),
  baseModelNameOrPath: field.string(null, { nullable: true }),
  revision: field.string(null, { nullable: true }),
  inferenceMode: field.boolean(false),
  autoMapping: field.json(null, { nullable: true }),
  peftVersion: field.string(null, { nullable: true }),
};

const COMMON_FIELD_LIST = fieldList(COMMON_CONFIG_FIELDS);

/**
 * A validated PEFT config (PEFT's PeftConfig). Every field is checked when the config is made;
 * `toJSON()` gives the adapter_config.json object PEFT reads.
 */
export abstract class PeftConfig implements CommonConfigFields {
  declare taskType: CommonConfigFields['taskType'];
  declare baseModelNameOrPath: string | null;
  declare revision: string | null;
  declare inferenceMode: boolean;
  declare autoMapping: unknown;
  declare peftVersion: string | null;

  /** PEFT's peft_type: 'LORA', 'IA3', ... */
  abstract get peftType(): string;
  /** The method's own fields (the common ones come first in `allFields`). */
  abstract get fields(): readonly ConfigField[];

  get allFields(): readonly ConfigField[] {
    return [...COMMON_FIELD_LIST, ...this.fields];
  }

  /** The camelCase values of every field. */
  values(): Record<string, unknown> {
    return Object.fromEntries(this.allFields.map((f) => [f.name, (this as unknown as Record<string, unknown>)[f.name]]));
  }

  /** adapter_config.json's object: snake_case keys, sorted, with `peft_type`. */
  toJSON(): Record<string, unknown> {
    const json = configToJSON(this.allFields, this.values(), { peft_type: this.peftType });
    if (json.peft_version === null) delete json.peft_version;
    return json;
  }

  /** A new config of the same kind with some fields changed (validated again). */
  with(changes: Record<string, unknown>): this {
    const Ctor = this.constructor as new (init: Record<string, unknown>) => this;
    return new Ctor({ ...this.values(), ...changes });
  }
}

/** The constructor a method's config class has: `new LoraConfig({ r: 8 })`. */
export interface PeftConfigClass<F> {
  new (init?: Partial<F & CommonConfigFields>, options?: ParseOptions): PeftConfig & F;
  readonly peftType: string;
  readonly fields: readonly ConfigField[];
}

/**
 * Makes a config class from a method's field table (one field per property of `F`). `check`
 * validates relations between fields after each one passed its own check; it throws with the
 * config's name. `Absent` names properties of `F` that are not fields of this method's config
 * (PEFT's config lacks them): `check` sets them.
 */
export function defineConfig<F, Absent extends keyof F = never>(
  className: string,
  peftType: string,
  specs: FieldSpecs<Omit<F, Absent>>,
  check?: (config: PeftConfig & F) => void,
): PeftConfigClass<F> {
  const fields: readonly ConfigField[] = fieldList(specs);
  const all = [...COMMON_FIELD_LIST, ...fields];
  const cls = class extends PeftConfig {
    static readonly peftType = peftType;
    static readonly fields = fields;
    constructor(init: Partial<F> = {}, options: ParseOptions = {}) {
      super();
      Object.assign(this, parseConfigFields(className, all, init as Record<string, unknown>, options));
      check?.(this as unknown as PeftConfig & F);
    }
    get peftType(): string {
      return peftType;
    }
    get fields(): readonly ConfigField[] {
      return fields;
    }
  };
  Object.defineProperty(cls, 'name', { value: className });
  return cls as unknown as PeftConfigClass<F>;
}
