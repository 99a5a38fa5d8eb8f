import { LlamaForCausalLM, LlamaModel } from '../llama/modeling.js';
import { Qwen2Config } from './config.js';

/** Hugging Face's Qwen2Model (Qwen2, Qwen2.5 and SmolLM-style): the Llama decoder with Qwen2Config's layout. */
export class Qwen2Model extends LlamaModel<Qwen2Config> {
  constructor(config: Qwen2Config = new Qwen2Config()) {
    super(config);
  }
}

/** Hugging Face's Qwen2ForCausalLM: Qwen2Model plus the LM head. */
export class Qwen2ForCausalLM extends LlamaForCausalLM<Qwen2Config> {
  constructor(config: Qwen2Config = new Qwen2Config()) {
    super(config);
  }

  protected override createBaseModel(config: Qwen2Config): Qwen2Model {
    return new Qwen2Model(config);
  }
}
