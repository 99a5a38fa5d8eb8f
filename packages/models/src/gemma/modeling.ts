import { LlamaForCausalLM, LlamaModel } from '../llama/modeling.js';
import { GemmaConfig } from './config.js';

/** Hugging Face's GemmaModel (Gemma): the Llama decoder with GemmaConfig's layout. */
export class GemmaModel extends LlamaModel<GemmaConfig> {
  constructor(config: GemmaConfig = new GemmaConfig()) {
    super(config);
  }
}

/** Hugging Face's GemmaForCausalLM: GemmaModel plus the LM head. */
export class GemmaForCausalLM extends LlamaForCausalLM<GemmaConfig> {
  constructor(config: GemmaConfig = new GemmaConfig()) {
    super(config);
  }

  protected override createBaseModel(config: GemmaConfig): GemmaModel {
    return new GemmaModel(config);
  }
}
