export * from './dtype.js';
export * from './half.js';
export * from './shape.js';
export * from './layout.js';
export * from './kernels.js';
export * from './backend.js';
export * from './random/philox.js';
export * from './random/generator.js';
export { Tensor, type NestedArray } from './tensor.js';
export {
  Engine,
  engine,
  registerBackend,
  removeBackend,
  setBackend,
  getBackend,
  activeBackend,
  getLeakCheck,
  defaultGenerator,
  currentGenerator,
  memory,
  resetPeakMemory,
  setLeakCheck,
  manualSeed,
  withGenerator,
  ENGINE_VERSION,
  type MemoryInfo,
  type OpSpec,
  type OpOutput,
} from './engine.js';
export * from './ops/index.js';
export * from './memory/scope.js';
export { disposeOnThrow } from './memory/dispose-on-throw.js';
export { initEmptyWeights, isMeta, metaBackend } from './memory/empty-weights.js';
export * from './io/safetensors.js';
export { backward, type BackwardOptions } from './autograd/backward.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { valueAndGrad, grad } from './autograd/value-and-grad.js';
export { customOp, type CustomOpContext, type CustomOpDefinition } from './autograd/custom-op.js';
export { checkpoint } from './autograd/checkpoint.js';
export { linearCrossEntropy, defaultChunkSize, type LinearCrossEntropyOptions } from './ops/linear-cross-entropy.js';
export { registerGradient, getGradientRule, registeredGradients } from './autograd/registry.js';
export type { GradientRule, GradContext } from './autograd/node.js';
import './tensor-methods.js';
import './gradients/index.js';
export { Module, type LoadStateDictResult } from './nn/module.js';
export { Linear, type LinearOptions } from './nn/linear.js';
export { Sequential, Lambda } from './nn/sequential.js';
export { parameter } from './nn/parameter.js';
export { Optimizer, type ParamGroup, type ParamsInput, type ParamState, type OptimizerStateDict } from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { AdamW, type AdamWOptions } from './optim/adamw.js';
export { Lion, type LionOptions } from './optim/lion.js';
export { Adafactor, type AdafactorOptions } from './optim/adafactor.js';
export { clipGradNorm, clipGradValue } from './optim/clip-grad.js';
export {
  LambdaLR,
  getConstantSchedule,
  getConstantScheduleWithWarmup,
  getLinearScheduleWithWarmup,
  getCosineScheduleWithWarmup,
  type LRScheduler,
  type LRSchedulerState,
  type LrLambda,
  type SchedulableOptimizer,
} from './optim/lr-scheduler.js';
export { DataLoader, type Dataset, type DataLoaderOptions, type DataLoaderState } from './data/data-loader.js';
export { defaultCollate } from './data/collate.js';
export { seededPermutation } from './data/shuffle.js';
export { Trainer, type TrainerOptions, type TrainOutput, type BatchLoader } from './train/trainer.js';
export type { TrainerCallback, TrainerControl, TrainerState, LogEntry, CallbackArgs } from './train/callback.js';
export { ProgressCallback, formatDuration, percentDone, type ProgressOptions, type WritableLike } from './train/progress-callback.js';
export { EarlyStoppingCallback, type EarlyStoppingOptions } from './train/early-stopping-callback.js';
export {
  memoryCheckpointStore,
  setDefaultCheckpointStore,
  getDefaultCheckpointStore,
  type CheckpointStore,
} from './train/checkpoint-store.js';
export { CHECKPOINT_FILES, checkpointFiles, restoreCheckpoint, type CheckpointParts } from './train/checkpoint.js';
export { loadSafetensors, saveSafetensors, tensorFromSafetensors, type SafetensorsLoadOptions } from './io/tensors.js';
export { loadSafetensorsFrom, openSafetensorsBlob, type SafetensorsSource } from './io/sources.js';
export { openSafetensors, type SafetensorsHandle } from './io/safetensors-handle.js';
export { bytesSource, blobSource, type ByteSource } from './io/byte-source.js';
export { Embedding, type EmbeddingOptions } from './nn/embedding.js';
export { LayerNorm, type LayerNormOptions } from './nn/layer-norm.js';
export { RMSNorm, type RMSNormOptions } from './nn/rms-norm.js';
export { Dropout, seedDropout } from './nn/dropout.js';
export { Conv1D } from './nn/conv1d.js';
export { Conv2d, type Conv2dModuleOptions } from './nn/conv2d.js';
export { ModuleList } from './nn/module-list.js';
export { ACTIVATIONS, getActivation } from './nn/activations.js';
export { MLP, GatedMLP, type MLPOptions, type GatedMLPOptions } from './nn/mlp.js';
export { rotaryEmbedding, rotaryTables, applyRotaryEmbedding, type RotaryOptions } from './nn/rotary.js';
export { parseRopeScaling, ropeScalingJSON, ropeInverseFrequencies, type RopeScaling } from './nn/rope-scaling.js';
export {
  MultiHeadAttention,
  multiHeadAttention,
  splitHeads,
  mergeHeads,
  repeatKeyValueHeads,
  paddingMaskBias,
  causalBias,
  slidingWindowBias,
  ropeTables,
  type MultiHeadAttentionOptions,
  type AttentionCallOptions,
  type AttentionCoreOptions,
  type RopePositions,
} from './nn/attention.js';
export { KeyValueCache, KeyValueCacheLayer, type KeyValueCacheOptions } from './nn/kv-cache.js';
export { QuantizedLinear } from './nn/quantized-linear.js';
export { QuantizedWeight, dequantizeData } from './quant/quantized-weight.js';
export {
  quantizeWeight,
  resolveQuantizationConfig,
  DEFAULT_SKIP_MODULES,
  type QuantizationConfig,
  type ResolvedQuantizationConfig,
} from './quant/config.js';
export { quantizeNf4, dequantizeNf4, quantizeAbsmax, type Nf4Options } from './quant/nf4.js';
export { quantizeInt8, dequantizeInt8 } from './quant/int8.js';
export { NF4_CODE_MAP, dynamicCodeMap } from './quant/codebooks.js';
export {
  NF4_BLOCK_SIZE,
  NF4_NESTED_BLOCK_SIZE,
  QUANT_FORMATS,
  blockAbsmax,
  nibbleAt,
  byteAt,
  type QuantFormat,
  type QuantizedWeightData,
  type NestedAbsmaxData,
} from './quant/format.js';
export { quantizeModel, type QuantizeModelReport } from './nn/quantize-model.js';
export { GradScaler, type GradScalerOptions, type ScalableOptimizer } from './optim/grad-scaler.js';
export { autocast, autocastDType, type AutocastOptions } from './amp/autocast.js';
