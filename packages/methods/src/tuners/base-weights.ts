import { Conv1D, Conv2d, Embedding, Linear, Module, QuantizedLinear, type Tensor } from '@peftjs/core';

/** The layer kinds the LoRA family wraps, with the facts a tuner needs about each. */
export interface BaseLayerInfo {
  /** 'linear' covers Linear and GPT-2's Conv1D (fan-in-fan-out). */
  kind: 'linear' | 'embedding' | 'conv2d';
  inFeatures: number;
  outFeatures: number;
  /** The weight is stored [in, out] (GPT-2's Conv1D) instead of PyTorch's [out, in]. */
  fanInFanOut: boolean;
  /**
   * The float weight. A quantized base (QuantizedLinear) has none: reading it throws, naming the
   * layer; methods that only add to the base output never read it.
   */
  weight: Tensor;
  bias: Tensor | null;
  /** The dtype adapter tensors are made in (the base weight's float dtype). */
  dtype: 'float32' | 'float64';
  /** The quantized base layer (QLoRA), or null for a float one. */
  quantized: QuantizedLinear | null;
}

const floatDType = (t: Tensor): 'float32' | 'float64' => (t.dtype === 'float64' ? 'float64' : 'float32');

function info(
  kind: BaseLayerInfo['kind'],
  inFeatures: number,
  outFeatures: number,
  fanInFanOut: boolean,
  weight: Tensor,
  bias: Tensor | null,
): BaseLayerInfo {
  return { kind, inFeatures, outFeatures, fanInFanOut, weight, bias, dtype: floatDType(weight), quantized: null };
}

/** A quantized Linear as a 'linear' base whose float weight does not exist. */
function quantizedInfo(module: QuantizedLinear): BaseLayerInfo {
  const { inFeatures, outFeatures, bias } = module;
  return {
    kind: 'linear',
    inFeatures,
    outFeatures,
    fanInFanOut: false,
    bias,
    quantized: module,
    dtype: bias ? floatDType(bias) : 'float32',
    get weight(): Tensor {
      throw new Error(
        `the base layer [${outFeatures}, ${inFeatures}] is quantized (QuantizedLinear ${module.format}) and has no float weight; ` +
          'this method reads the base weight, so it needs a float base (LoRA, IA3, VeRA, LoKr and the other methods that add to the base output work on a quantized base)',
      );
    },
  };
}

/** What `module` is, as a tuner sees it; null for a module no weight-based tuner can wrap. */
export function baseLayerInfo(module: Module): BaseLayerInfo | null {
  if (module instanceof Linear) return info('linear', module.inFeatures, module.outFeatures, false, module.weight, module.bias);
  if (module instanceof QuantizedLinear) return quantizedInfo(module);
  if (module instanceof Conv1D) return info('linear', module.nx, module.nf, true, module.weight, module.bias);
  if (module instanceof Embedding) return info('embedding', module.numEmbeddings, module.embeddingDim, false, module.weight, null);
  if (module instanceof Conv2d) {
    const [out, inPerGroup] = module.weight.shape;
    return info('conv2d', inPerGroup!, out!, false, module.weight, module.bias);
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
    const names = {
      linear: conv1d ? 'Linear, QuantizedLinear, Conv1D' : 'Linear, QuantizedLinear',
      embedding: 'Embedding',
      conv2d: 'Conv2d',
    };
    const supported = kinds.map((k) => names[k]).join(', ');
    throw new TypeError(`${method}: cannot adapt module '${key}' of type ${module.constructor.name}; supported: ${supported}`);
  }
  return info;
}
