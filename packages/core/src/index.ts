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
  Engine, engine, registerBackend, removeBackend, setBackend, getBackend, memory, setLeakCheck, manualSeed,
  ENGINE_VERSION, type MemoryInfo, type OpSpec, type OpOutput,
} from './engine.js';
export * from './ops/index.js';
export * from './memory/scope.js';
export * from './io/safetensors.js';
export { backward, type BackwardOptions } from './autograd/backward.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd/grad-mode.js';
export { valueAndGrad, grad } from './autograd/value-and-grad.js';
export { customOp, type CustomOpContext, type CustomOpDefinition } from './autograd/custom-op.js';
export { registerGradient, getGradientRule, registeredGradients } from './autograd/registry.js';
export type { GradientRule, GradContext } from './autograd/node.js';
import './tensor-methods.js';
import './gradients/index.js';
export { Module, type LoadStateDictResult } from './nn/module.js';
export { Linear, type LinearOptions } from './nn/linear.js';
export { Sequential, Lambda } from './nn/sequential.js';
export { parameter } from './nn/parameter.js';
export { Optimizer, type ParamGroup, type ParamsInput } from './optim/optimizer.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { AdamW, type AdamWOptions } from './optim/adamw.js';
export { loadSafetensors, saveSafetensors, tensorFromSafetensors, type SafetensorsLoadOptions } from './io/tensors.js';
export { Embedding, type EmbeddingOptions } from './nn/embedding.js';
export { LayerNorm, type LayerNormOptions } from './nn/layer-norm.js';
export { RMSNorm, type RMSNormOptions } from './nn/rms-norm.js';
export { Dropout } from './nn/dropout.js';
export { Conv1D } from './nn/conv1d.js';
export { Conv2d, type Conv2dModuleOptions } from './nn/conv2d.js';
export { ModuleList } from './nn/module-list.js';
export { ACTIVATIONS, getActivation } from './nn/activations.js';
export { MLP, GatedMLP, type MLPOptions, type GatedMLPOptions } from './nn/mlp.js';
export { rotaryEmbedding, rotaryTables, applyRotaryEmbedding, type RotaryOptions } from './nn/rotary.js';
export {
  MultiHeadAttention, multiHeadAttention, splitHeads, mergeHeads, repeatKeyValueHeads, paddingMaskBias, causalBias,
  type MultiHeadAttentionOptions, type AttentionCallOptions, type AttentionCoreOptions,
} from './nn/attention.js';
