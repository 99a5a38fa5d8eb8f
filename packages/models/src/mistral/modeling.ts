import { LlamaForCausalLM, LlamaModel } from '../llama/modeling.js';
import { MistralConfig } from './config.js';

/** Hugging Face's MistralModel (Mistral): the Llama decoder with MistralConfig's layout. */
export class MistralModel extends LlamaModel<MistralConfig> {
  constructor(config: MistralConfig = new MistralConfig()) {
    super(config);
  }
}

/** Hugging Face's MistralForCausalLM: MistralModel plus the LM head. */
export class MistralForCausalLM extends LlamaForCausalLM<MistralConfig> {
  constructor(config: MistralConfig = new MistralConfig()) {
    super(config);
  }

  protected override createBaseModel(config: MistralConfig): MistralModel {
    return new MistralModel(config);
  }
}
