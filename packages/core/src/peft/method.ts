import type { Module } from '../nn/module.js';
import type { ConfigField, ParseOptions } from './config-fields.js';
import type { PeftConfig } from './config.js';

/** A config class seen from the registry: it builds `C` from any object of fields (validated inside). */
export interface ConfigClassOf<C extends PeftConfig> {
  new (init?: any, options?: ParseOptions): C;
  readonly peftType: string;
  readonly fields: readonly ConfigField[];
}

/**
 * A PEFT method as the registry knows it. The methods themselves live in @peftjs/methods; core
 * only names what every method provides.
 *
 * - `layer` methods wrap target modules (LoRA, IA3, OFT, ...): `wrapLayer` makes the wrapper, or
 *   adds an adapter to one it made before.
 * - `prompt` methods put learned virtual tokens or prefixes in front of the input (prompt tuning,
 *   prefix tuning, P-tuning); the PEFT model calls the method around the base model's forward.
 */
export interface PeftMethod<C extends PeftConfig = PeftConfig> {
  /** PEFT's peft_type ('LORA'). */
  readonly peftType: string;
  readonly kind: 'layer' | 'prompt';
  /** The config class (`new LoraConfig({...})`). */
  readonly configClass: ConfigClassOf<C>;
  /** Prefix of this method's tensor names inside a layer (`lora_`). */
  readonly prefix: string;
}

/** What a layer method learns about the module it wraps. */
export interface WrapContext<C extends PeftConfig = PeftConfig> {
  readonly adapterName: string;
  readonly config: C;
  /** The module's dotted name in the model (`model.layers.0.self_attn.q_proj`). */
  readonly key: string;
}

/** A method that wraps layers. */
export interface LayerPeftMethod<C extends PeftConfig = PeftConfig> extends PeftMethod<C> {
  readonly kind: 'layer';
  /** Wraps `target`, or adds `context.adapterName` to it when it is already this method's wrapper. */
  wrapLayer(target: Module, context: WrapContext<C>): Module;
}
