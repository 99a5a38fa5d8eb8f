export { PeftModel, getPeftModel, type MergeOptions, type AddAdapterOptions } from './peft-model.js';
export { mergeIntoQuantizedBase, type QuantizedBaseMerge, type QuantizedMergeReport } from './tuners/quantized-merge.js';
export * from './method/index.js';
export { TunerLayer, type BaseState } from './tuners/tuner-layer.js';
export { TunerModel } from './tuners/tuner-model.js';
export { ModuleDict, ParameterDict, BufferDict, adapterTensorsIn } from './tuners/adapter-dict.js';
export { ModulesToSaveWrapper } from './tuners/modules-to-save.js';
export { withAdapterNames, currentAdapterNames, BASE_ADAPTER } from './tuners/adapter-names.js';
export { baseLayerInfo, requireBaseLayer, type BaseLayerInfo } from './tuners/base-weights.js';
export { isTargetModule, isExcluded, layerIndex, allLinearTargets, patternValue } from './tuners/targets.js';
export { defaultTargetModules, modelTypeOf, resolveTargetModules } from './tuners/default-targets.js';
export { TARGET_FIELDS, PATTERN_FIELDS, type TargetFields, type PatternFields } from './tuners/target-fields.js';
export { injectAdapter } from './tuners/inject.js';
export { adapterTensors, adapterStateDict, loadAdapterStateDict } from './save/adapter-state.js';
export {
  ADAPTER_CONFIG_NAME,
  ADAPTER_WEIGHTS_NAME,
  configFromJSON,
  configToText,
  saveAdapterFiles,
  parseAdapterFiles,
  loadAdapterFiles,
  peftModelFromFiles,
  parseAdapterConfig,
  loadParsedAdapter,
  peftModelFromParsed,
  type ParsedAdapter,
  type AdapterFiles,
  type LoadAdapterOptions,
  type SaveAdapterOptions,
} from './save/adapter-files.js';
export * from './lora/index.js';
export * from './prompt-tuning/index.js';
export * from './prefix-tuning/index.js';
export * from './p-tuning/index.js';
export * from './adaption-prompt/index.js';
export { forwardWithPrompts, forwardWithPrefix, type CausalLM } from './prompt-learning/causal-lm.js';
export { PROMPT_LEARNING_FIELDS, type PromptLearningConfigFields } from './prompt-learning/config-fields.js';
export { resolvePromptLearningSettings, type PromptLearningSettings } from './prompt-learning/settings.js';
export { findWordEmbeddings } from './prompt-learning/word-embeddings.js';
export * from './merging/index.js';
export * from './linalg/index.js';
export * from './oft/index.js';
export * from './boft/index.js';
export * from './hra/index.js';
export * from './bone/index.js';
export * from './miss/index.js';
export * from './road/index.js';
export * from './delora/index.js';
export * from './ln-tuning/index.js';
export * from './ia3/index.js';
export * from './loha/index.js';
export * from './lokr/index.js';
export * from './vera/index.js';
export * from './vblora/index.js';
export * from './fourierft/index.js';
export * from './waveft/index.js';
export * from './c3a/index.js';
export * from './adalora/index.js';
export * from './lora-plus/index.js';
