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

// The built-in families, registered when the loader is imported; the first class is the default.
registerModelFamily({ modelType: 'gpt2', configFromJSON: GPT2Config.fromJSON, classes: { GPT2LMHeadModel, GPT2Model, GPT2ForSequenceClassification } });
registerModelFamily({ modelType: 'llama', configFromJSON: LlamaConfig.fromJSON, classes: { LlamaForCausalLM, LlamaModel } });
registerModelFamily({ modelType: 'bert', configFromJSON: BertConfig.fromJSON, classes: { BertForSequenceClassification, BertModel } });
registerModelFamily({ modelType: 'vit', configFromJSON: ViTConfig.fromJSON, classes: { ViTForImageClassification, ViTModel } });
