import { registerModelFamily } from './auto.js';
import { GPT2Config } from './gpt2/config.js';
import { GPT2LMHeadModel, GPT2Model } from './gpt2/modeling.js';
import { GPT2ForSequenceClassification } from './gpt2/sequence-classification.js';
import { BertConfig } from './bert/config.js';
import { BertForSequenceClassification, BertModel } from './bert/modeling.js';
import { ViTConfig } from './vit/config.js';
import { ViTForImageClassification, ViTModel } from './vit/modeling.js';
import { LlamaConfig } from './llama/config.js';
import { LlamaForCausalLM, LlamaModel } from './llama/modeling.js';
import { Qwen2Config } from './qwen2/config.js';
import { Qwen2ForCausalLM, Qwen2Model } from './qwen2/modeling.js';
import { MistralConfig } from './mistral/config.js';
import { MistralForCausalLM, MistralModel } from './mistral/modeling.js';
import { GemmaConfig } from './gemma/config.js';
import { GemmaForCausalLM, GemmaModel } from './gemma/modeling.js';
import { Phi3Config } from './phi3/config.js';
import { Phi3ForCausalLM, Phi3Model } from './phi3/modeling.js';

// The built-in families, registered when the loader is imported; the first class is the default.
registerModelFamily({
  modelType: 'gpt2',
  configFromJSON: GPT2Config.fromJSON,
  classes: { GPT2LMHeadModel, GPT2Model, GPT2ForSequenceClassification },
});
registerModelFamily({ modelType: 'llama', configFromJSON: LlamaConfig.fromJSON, classes: { LlamaForCausalLM, LlamaModel } });
registerModelFamily({ modelType: 'bert', configFromJSON: BertConfig.fromJSON, classes: { BertForSequenceClassification, BertModel } });
registerModelFamily({ modelType: 'vit', configFromJSON: ViTConfig.fromJSON, classes: { ViTForImageClassification, ViTModel } });
registerModelFamily({ modelType: 'qwen2', configFromJSON: Qwen2Config.fromJSON, classes: { Qwen2ForCausalLM, Qwen2Model } });
registerModelFamily({ modelType: 'mistral', configFromJSON: MistralConfig.fromJSON, classes: { MistralForCausalLM, MistralModel } });
registerModelFamily({ modelType: 'gemma', configFromJSON: GemmaConfig.fromJSON, classes: { GemmaForCausalLM, GemmaModel } });
registerModelFamily({ modelType: 'phi3', configFromJSON: Phi3Config.fromJSON, classes: { Phi3ForCausalLM, Phi3Model } });
