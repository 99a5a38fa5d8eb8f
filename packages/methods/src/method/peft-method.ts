import type { ConfigField, ParseOptions } from './config-fields.js';
import type { PeftConfig } from './peft-config.js';
import type { LayerMethod } from './layer-method.js';
import type { PromptMethod } from './prompt-method.js';

/** A config class seen from the registry: it builds `C` from any object of fields (validated inside). */
export interface ConfigClassOf<C extends PeftConfig> {
  new (init?: any, options?: ParseOptions): C;
  readonly peftType: string;
  readonly fields: readonly ConfigField[];
}

/** What every PEFT method names, whatever its kind. */
export interface MethodBase<C extends PeftConfig = PeftConfig> {
  /** PEFT's peft_type ('LORA'). */
  readonly peftType: string;
  /** The config class (`new LoraConfig({...})`). */
  readonly configClass: ConfigClassOf<C>;
  /** Prefix of this method's tensor names inside a layer (`lora_`). */
  readonly prefix: string;
}

/**
 * A PEFT method, narrowed by `kind`:
 * - `layer` methods wrap target modules (LoRA, IA3, OFT, ...);
 * - `prompt` methods put learned virtual tokens or prefixes in front of the input (prompt tuning,
 *   prefix tuning, P-tuning); the PEFT model calls the method around the base model's forward.
 */
export type PeftMethod = LayerMethod | PromptMethod;
