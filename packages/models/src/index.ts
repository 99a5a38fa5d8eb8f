export { ClassifierConfig } from './labels.js';
export { PretrainedConfig, type FieldSpec, type FieldTable, type FieldKind } from './config.js';
export {
  PreTrainedModel,
  type ModelInputs,
  type ModelOutput,
  type BaseModelOutput,
  type CausalLMOutput,
  type SequenceClassifierOutput,
  type ImageClassifierOutput,
  type PastKeyValues,
  type LayerPast,
} from './modeling.js';
export {
  AutoModelClass,
  AutoModel,
  AutoModelForCausalLM,
  AutoModelForSequenceClassification,
  AutoModelForImageClassification,
  type ModelClass,
  type PreTrainedModelWith,
  type CausalLMModel,
  type SequenceClassificationModel,
  type ImageClassificationModel,
  type BaseModel,
} from './auto-model.js';
export { causalLmLoss, classificationLoss } from './losses.js';
export { GPT2Config, type GPT2ConfigInit } from './gpt2/config.js';
export { GPT2Model, GPT2LMHeadModel, GPT2Attention } from './gpt2/modeling.js';
export { GPT2ForSequenceClassification } from './gpt2/sequence-classification.js';
export { LlamaConfig, type LlamaConfigInit } from './llama/config.js';
export { LlamaModel, LlamaForCausalLM, type LlamaSelfAttention } from './llama/modeling.js';
export { Qwen2Config, type Qwen2ConfigInit } from './qwen2/config.js';
export { Qwen2Model, Qwen2ForCausalLM } from './qwen2/modeling.js';
export { MistralConfig, type MistralConfigInit } from './mistral/config.js';
export { MistralModel, MistralForCausalLM } from './mistral/modeling.js';
export { GemmaConfig, type GemmaConfigInit } from './gemma/config.js';
export { GemmaModel, GemmaForCausalLM } from './gemma/modeling.js';
export { Phi3Config, type Phi3ConfigInit } from './phi3/config.js';
export { Phi3Model, Phi3ForCausalLM } from './phi3/modeling.js';
export { GemmaRMSNorm } from './decoder/gemma-rms-norm.js';
export { FusedQkvAttention, FusedGatedMLP } from './decoder/fused.js';
export type { DecoderLayout } from './decoder/layout.js';
export { causalLmHeadLoss } from './losses.js';
export { BertConfig, type BertConfigInit } from './bert/config.js';
export { BertModel, BertForSequenceClassification } from './bert/modeling.js';
export { ViTConfig, type ViTConfigInit } from './vit/config.js';
export { ViTModel, ViTForImageClassification } from './vit/modeling.js';
export { registerModelFamily, resolveModel, type ModelFamily } from './auto.js';
export {
  loadPretrained,
  loadWeightsFrom,
  savePretrained,
  readCheckpoint,
  memorySource,
  memorySink,
  CONFIG_NAME,
  WEIGHTS_NAME,
  WEIGHTS_INDEX_NAME,
  type FileSource,
  type FileSink,
  type SavePretrainedOptions,
  type LoadPretrainedOptions,
} from './io.js';
export { generate, type GenerationInputs, type GenerateOutput, type GenerativeModel } from './generation/generate.js';
export { TextStreamer } from './generation/streamer.js';
export { type GenerationOptions, type GenerationStreamer, type DecodingTokenizer } from './generation/options.js';
export { setParameterBudget, getParameterBudget, checkModelSize, type SizeEstimate } from './construct.js';
