export { PeftModel, getPeftModel, type MergeOptions } from './peft-model.js';
export type { PromptMethod, PromptContext } from './prompt-method.js';
export { TunerLayer, type BaseState } from './tuners/tuner-layer.js';
export { TunerModel } from './tuners/tuner-model.js';
export { ModuleDict, ParameterDict, BufferDict, adapterTensorsIn } from './tuners/adapter-dict.js';
export { ModulesToSaveWrapper } from './tuners/modules-to-save.js';
export { withAdapterNames, currentAdapterNames, BASE_ADAPTER } from './tuners/adapter-names.js';
export { baseLayerInfo, requireBaseLayer, type BaseLayerInfo } from './tuners/base-weights.js';
export { layerMethod, type LayerMethod, type LayerConfig, type AdapterContext } from './tuners/layer-method.js';
export { isTargetModule, isExcluded, layerIndex, allLinearTargets, patternValue } from './tuners/targets.js';
export { TARGET_FIELDS, PATTERN_FIELDS, type TargetFields, type PatternFields } from './tuners/target-fields.js';
export { injectAdapter } from './tuners/inject.js';
export { adapterTensors, adapterStateDict, loadAdapterStateDict } from './save/adapter-state.js';
export {
  ADAPTER_CONFIG_NAME, ADAPTER_WEIGHTS_NAME, configFromJSON, configToText, saveAdapterFiles, parseAdapterFiles, loadAdapterFiles, peftModelFromFiles,
  type AdapterFiles, type LoadAdapterOptions,
} from './save/adapter-files.js';
export * from './lora/index.js';
