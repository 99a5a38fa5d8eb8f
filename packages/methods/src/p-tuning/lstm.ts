import { concat, dropout, fill, Module, parameter, rand, sigmoid, slice, tanh, type Tensor, tidy } from '@peftjs/core';

export interface LSTMOptions {
  numLayers?: number;
  /** Dropout on the outputs of every layer but the last, while training. */
  dropout?: number;
  bidirectional?: boolean;
  dtype?: 'float32' | 'float64';
}

/**
 * PyTorch's nn.LSTM with batch_first: x [B, T, input] → [B, T, directions · hidden], zero initial
 * state. Per step, with gates in PyTorch's order (input, forget, cell, output):
 *   i, f, g, o = σ, σ, tanh, σ of (x_t W_ihᵀ + b_ih + h W_hhᵀ + b_hh)
 *   c = f ⊙ c + i ⊙ g,  h = o ⊙ tanh(c)
 * The reverse direction reads the sequence from the end. Parameters as PyTorch names them
 * (`weight_ih_l0`, `bias_hh_l1_reverse`, ...), uniform in ±1/√hidden.
 */
export class LSTM extends Module {
  readonly numLayers: number;
  readonly dropoutP: number;
  readonly directions: number;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: LSTMOptions = {},
  ) {
    super();
    this.numLayers = options.numLayers ?? 1;
    this.dropoutP = options.dropout ?? 0;
    this.directions = options.bidirectional ? 2 : 1;
    for (const [name, v] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
      ['numLayers', this.numLayers],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`LSTM: ${name} must be a positive integer, got ${v}`);
    }
    if (!(this.dropoutP >= 0 && this.dropoutP < 1)) throw new RangeError(`LSTM: dropout must be in [0, 1), got ${this.dropoutP}`);
    const bound = 1 / Math.sqrt(hiddenSize);
    const dtype = options.dtype ?? 'float32';
    const uniform = (shape: number[]) => parameter(rand(shape, { low: -bound, high: bound, dtype }));
    for (let layer = 0; layer < this.numLayers; layer++) {
      const input = layer === 0 ? inputSize : hiddenSize * this.directions;
      for (let d = 0; d < this.directions; d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${suffix}`, uniform([4 * hiddenSize, input]));
        this.registerParameter(`weight_hh${suffix}`, uniform([4 * hiddenSize, hiddenSize]));
        this.registerParameter(`bias_ih${suffix}`, uniform([4 * hiddenSize]));
        this.registerParameter(`bias_hh${suffix}`, uniform([4 * hiddenSize]));
      }
    }
  }

  /** x [B, T, inputSize] → [B, T, directions · hiddenSize]. */
  forward(x: Tensor): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.inputSize)
      throw new RangeError(`LSTM: expected x [batch, seq, ${this.inputSize}], got [${x.shape.join(', ')}]`);
    return tidy(() => {
      let h = x;
      for (let layer = 0; layer < this.numLayers; layer++) {
        const outs = Array.from({ length: this.directions }, (_, d) =>
          this.direction(h, `_l${layer}${d === 1 ? '_reverse' : ''}`, d === 1),
        );
        h = outs.length === 1 ? outs[0] : concat(outs, -1);
        if (layer < this.numLayers - 1 && this.dropoutP > 0) h = dropout(h, this.dropoutP, this.training);
      }
      return h;
    });
  }

  private direction(x: Tensor, suffix: string, reverse: boolean): Tensor {
    const [b, t] = x.shape;
    const n = this.hiddenSize;
    const wIh = this.get(`weight_ih${suffix}`)!;
    const wHh = this.get(`weight_hh${suffix}`)!;
    // the input part of every step at once: [B, T, 4n]
    const xGates = x
      .matmul(wIh, { transposeB: true })
      .add(this.get(`bias_ih${suffix}`)!)
      .add(this.get(`bias_hh${suffix}`)!);
    let h = fill([b, n], 0, x.dtype, x.backend);
    let c = h;
    const out: Tensor[] = new Array(t);
    for (let s = 0; s < t; s++) {
      const step = reverse ? t - 1 - s : s;
      const gates = slice(xGates, 1, step, step + 1)
        .reshape([b, 4 * n])
        .add(h.matmul(wHh, { transposeB: true }));
      const gate = (k: number) => slice(gates, 1, k * n, (k + 1) * n);
      c = sigmoid(gate(1))
        .mul(c)
        .add(sigmoid(gate(0)).mul(tanh(gate(2))));
      h = sigmoid(gate(3)).mul(tanh(c));
      out[step] = h.unsqueeze(1);
    }
    return concat(out, 1);
  }
}
