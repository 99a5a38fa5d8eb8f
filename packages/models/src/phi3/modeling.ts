import { LlamaForCausalLM, LlamaModel } from '../llama/modeling.js';
import { Phi3Config } from './config.js';

/** Hugging Face's Phi3Model (Phi-3): the Llama decoder with Phi3Config's layout. */
export class Phi3Model extends LlamaModel<Phi3Config> {
  constructor(config: Phi3Config = new Phi3Config()) {
    super(config);
  }
}

/** Hugging Face's Phi3ForCausalLM: Phi3Model plus the LM head. */
export class Phi3ForCausalLM extends LlamaForCausalLM<Phi3Config> {
  constructor(config: Phi3Config = new Phi3Config()) {
    super(config);
  }

  protected override createBaseModel(config: Phi3Config): Phi3Model {
    return new Phi3Model(config);
  }
}
