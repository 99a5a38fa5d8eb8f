import { conv2d, Conv2d, matmul, mul, reshape, sub, type Tensor, tidy } from '@peftjs/core';
import type { LoraConfig } from './config.js';
import type { NormLayout } from './dora.js';
import { LoraLayer } from './layer.js';

/**
 * LoRA on a Conv2d (PEFT's lora.Conv2d): lora_A is a convolution with the base's kernel, stride,
 * padding and dilation from `in` to r channels, lora_B a 1×1 convolution from r to `out` channels;
 * y = conv(x; W) + s · B(A(dropout(x))). Merging adds ΔW[o, i, :, :] = s · Σ_k B[o, k] A[k, i, :, :].
 */
export class LoraConv2d extends LoraLayer {
  protected override readonly normLayout: NormLayout = 'channels';

  private get conv(): Conv2d {
    return this.baseLayer as Conv2d;
  }

  protected override createFactors(adapter: string, r: number, config: LoraConfig): void {
    const { inChannels, outChannels, kernelSize, options } = this.conv;
    const { stride, padding, dilation } = options;
    // Conv2d's own init is kaiming-uniform with a = √5, LoRA's default for A
    this.loraA.set(adapter, new Conv2d(inChannels, r, kernelSize, { stride, padding, dilation, bias: false, dtype: this.dtype }));
    this.loraB.set(adapter, new Conv2d(r, outChannels, 1, { bias: config.loraBias, dtype: this.dtype }));
  }

  override deltaWeight(adapter: string): Tensor {
    return tidy(() => {
      const a = this.loraA.at(adapter).weight;
      const b = this.loraB.at(adapter).weight;
      const [r, inChannels, kh, kw] = a.shape as [number, number, number, number];
      const outChannels = b.shape[0]!;
      const product = matmul(reshape(b, [outChannels, r]), reshape(a, [r, inChannels * kh * kw]));
      return reshape(mul(product, this.scaling.get(adapter)!), [outChannels, inChannels, kh, kw]).contiguous();
    });
  }

  protected override baseWithoutBias(x: Tensor): Tensor {
    return conv2d(x, this.conv.weight, null, this.conv.options);
  }

  protected override resultWithoutBias(result: Tensor): Tensor {
    const bias = this.conv.bias;
    return bias ? sub(result, reshape(bias, [1, bias.shape[0]!, 1, 1])) : result;
  }
}
