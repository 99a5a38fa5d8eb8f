import type { Tensor } from '../tensor.js';
import { conv2d, type Conv2dOptions } from '../ops/conv.js';
import { rand } from '../ops/random.js';
import { Module } from './module.js';
import { parameter } from './parameter.js';

export interface Conv2dModuleOptions extends Conv2dOptions {
  bias?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * PyTorch's nn.Conv2d (groups = 1): weight [out, in, kh, kw], bias [out], initialised uniform in
 * ±1/sqrt(in·kh·kw) like PyTorch.
 */
export class Conv2d extends Module<[Tensor], Tensor> {
  readonly kernelSize: [number, number];
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly [number, number],
    readonly options: Conv2dModuleOptions = {},
  ) {
    super();
    this.kernelSize = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : [kernelSize[0], kernelSize[1]];
    const [kh, kw] = this.kernelSize;
    for (const [name, v] of [
      ['inChannels', inChannels],
      ['outChannels', outChannels],
      ['kernel height', kh],
      ['kernel width', kw],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Conv2d: ${name} must be a positive integer, got ${v}`);
    }
    const dtype = options.dtype ?? 'float32';
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.registerParameter('weight', parameter(rand([outChannels, inChannels, kh, kw], { low: -bound, high: bound, dtype })));
    this.registerParameter('bias', options.bias === false ? null : parameter(rand([outChannels], { low: -bound, high: bound, dtype })));
  }

  get weight(): Tensor {
    return this.get('weight')!;
  }
  get bias(): Tensor | null {
    return this.get('bias');
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }
}
