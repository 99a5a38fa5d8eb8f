/** Phi-3's fused projections: one qkv_proj for the attention inputs, one gate_up_proj for the MLP. */
import {
  type AttentionCallOptions,
  formatShape,
  getActivation,
  Linear,
  Module,
  multiHeadAttention,
  paddingMaskBias,
  type RopeScaling,
  split,
  type Tensor,
  tidy,
} from '@peftjs/core';

export interface FusedAttentionOptions {
  numKeyValueHeads: number;
  headDim: number;
  rope: { theta: number; scaling: RopeScaling | null };
  slidingWindow: number | null;
  dropout: number;
}

/** Causal self-attention with RoPE whose q, k and v come from one qkv_proj ([q | k | v] rows), then o_proj. */
export class FusedQkvAttention extends Module<[Tensor, AttentionCallOptions?], Tensor> {
  constructor(
    readonly hiddenSize: number,
    readonly numHeads: number,
    readonly options: FusedAttentionOptions,
  ) {
    super();
    const { numKeyValueHeads: kv, headDim } = options;
    this.registerModule('qkv_proj', new Linear(hiddenSize, (numHeads + 2 * kv) * headDim, { bias: false }));
    this.registerModule('o_proj', new Linear(numHeads * headDim, hiddenSize, { bias: false }));
  }

  forward(x: Tensor, call: AttentionCallOptions = {}): Tensor {
    if (x.rank !== 3 || x.shape[2] !== this.hiddenSize) {
      throw new RangeError(`FusedQkvAttention: expected x [batch, seq, ${this.hiddenSize}], got ${formatShape(x.shape)}`);
    }
    const { numKeyValueHeads: kv, headDim } = this.options;
    return tidy(() => {
      const [q, k, v] = split(this.child<Linear>('qkv_proj').forward(x), [this.numHeads * headDim, kv * headDim, kv * headDim], -1);
      const bias = call.attentionMask ? paddingMaskBias(call.attentionMask, x.dtype === 'float64' ? 'float64' : 'float32') : null;
      const out = multiHeadAttention(q, k, v, this.numHeads, kv, {
        causal: true,
        bias,
        rope: { ...this.options.rope, positions: call.positions, positionIds: call.positionIds },
        dropout: this.options.dropout,
        training: this.training,
        pastKeyValue: call.pastKeyValue,
        cache: call.cache,
        slidingWindow: this.options.slidingWindow,
      });
      return this.child<Linear>('o_proj').forward(out);
    });
  }
}

/** Phi-3's MLP: gate_up_proj gives [gate | up]; down_proj(up · act(gate)). */
export class FusedGatedMLP extends Module<[Tensor], Tensor> {
  private readonly act: (x: Tensor) => Tensor;

  constructor(
    readonly hiddenSize: number,
    readonly intermediateSize: number,
    activation: string,
  ) {
    super();
    this.act = getActivation(activation);
    this.registerModule('gate_up_proj', new Linear(hiddenSize, 2 * intermediateSize, { bias: false }));
    this.registerModule('down_proj', new Linear(intermediateSize, hiddenSize, { bias: false }));
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [gate, up] = split(this.child<Linear>('gate_up_proj').forward(x), this.intermediateSize, -1);
      return this.child<Linear>('down_proj').forward(up.mul(this.act(gate)));
    });
  }
}
