import { Conv1D, Conv2d, Embedding, Linear, Module, type Tensor } from '@peftjs/core';

/** The layer kinds the LoRA family wraps, with the facts a tuner needs about each. */
export interface BaseLayerInfo {
  /** 'linear' covers Linear and GPT-2's Conv1D (fan-in-fan-out). */
  kind: 'linear' | 'embedding' | 'conv2d';
  inFeatures: number;
  outFeatures: number;
  /** The weight is stored [in, out] (GPT-2's Conv1D) instead of PyTorch's [out, in]. */
  fanInFanOut: boolean;
  weight: Tensor;
  bias: Tensor | null;
}

/** What `module` is, as a tuner sees it; null for a module no weight-based tuner can wrap. */
export function baseLayerInfo(module: Module): BaseLayerInfo | null {
  if (module instanceof Linear) {
    return { kind: 'linear', inFeatures: module.inFeatures, outFeatures: module.outFeatures, fanInFanOut: false, weight: module.weight, bias: module.bias };
  }
  if (module instanceof Conv1D) {
    return { kind: 'linear', inFeatures: module.nx, outFeatures: module.nf, fanInFanOut: true, weight: module.weight, bias: module.bias };
  }
  if (module instanceof Embedding) {
    return { kind: 'embedding', inFeatures: module.numEmbeddings, outFeatures: module.embeddingDim, fanInFanOut: false, weight: module.weight, bias: null };
  }
  if (module instanceof Conv2d) {
    const [out, inPerGroup] = module.weight.shape;
    return { kind: 'conv2d', inFeatures: inPerGroup!, outFeatures: out!, fanInFanOut: false, weight: module.weight, bias: module.bias };
  }
  return null;
}

/**
 * Like baseLayerInfo, but throws naming the method, the module and its class. `conv1d: false`
 * refuses GPT-2's Conv1D (weights stored [in, out]) for methods PEFT only runs on torch's layers.
 */
export function requireBaseLayer(
  module: Module,
  method: string,
  key: string,
  kinds: readonly BaseLayerInfo['kind'][] = ['linear'],
  options: { conv1d?: boolean } = {},
): BaseLayerInfo {
  const conv1d = options.conv1d ?? true;
  const info = baseLayerInfo(module);
  if (!info || !kinds.includes(info.kind) || (!conv1d && info.fanInFanOut)) {
    const names = { linear: conv1d ? 'Linear, Conv1D' : 'Linear', embedding: 'Embedding', conv2d: 'Conv2d' };
    const supported = kinds.map((k) => names[k]).join(', ');
    throw new TypeError(`${method}: cannot adapt module '${key}' of type ${module.constructor.name}; supported: ${supported}`);
  }
  return info;
}
