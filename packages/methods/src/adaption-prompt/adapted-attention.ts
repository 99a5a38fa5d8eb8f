import {
  applyRotaryEmbedding,
  type AttentionCallOptions,
  fill,
  mergeHeads,
  Module,
  MultiHeadAttention,
  parameter,
  randn,
  repeatKeyValueHeads,
  ropeTables,
  splitHeads,
  type Tensor,
  tidy,
} from '@peftjs/core';

/**
 * LLaMA-Adapter's attention (HF PEFT's AdaptedAttention): wraps a self-attention module (kept as
 * `model`) and adds attention from the layer's queries to `adapter_len` learned prompt tokens.
 * The prompt's keys and values come from the wrapped k_proj and v_proj (no RoPE, no mask); the
 * probabilities (softmax in at least float32) are scaled by the zero-initialised `adaption_gate`, and
 * the result goes through o_proj and is added to the attention output:
 *   out = attn(x) + o_proj(gate · softmax(rope(q) kᵀ / √d) v),  k, v = k_proj(P), v_proj(P).
 */
export class AdaptedAttention extends Module {
  constructor(
    attention: MultiHeadAttention,
    readonly adapterLen: number,
  ) {
    super();
    if (!(attention instanceof MultiHeadAttention)) {
      const name = (attention as object | null)?.constructor?.name ?? String(attention);
      throw new TypeError(`AdaptedAttention: can only wrap a MultiHeadAttention (q_proj, k_proj, v_proj, o_proj), got ${name}`);
    }
    if (!Number.isInteger(adapterLen) || adapterLen < 1)
      throw new RangeError(`AdaptedAttention: adapter_len must be a positive integer, got ${adapterLen}`);
    const dtype = attention.qProj.weight.dtype as 'float32' | 'float64';
    this.registerModule('model', attention);
    this.registerParameter(
      'adaption_prompt',
      parameter(randn([1, adapterLen, attention.hiddenSize], { dtype, backend: attention.qProj.weight.backend })),
    );
    this.registerParameter('adaption_gate', parameter(fill([1], 0, dtype, attention.qProj.weight.backend)));
  }

  /** The wrapped attention. */
  get model(): MultiHeadAttention {
    return this.child('model');
  }
  get adaptionPrompt(): Tensor {
    return this.get('adaption_prompt')!;
  }
  get adaptionGate(): Tensor {
    return this.get('adaption_gate')!;
  }

  forward(x: Tensor, call: AttentionCallOptions = {}): Tensor {
    const attn = this.model;
    // the queries' positions follow what was attended before this call (read before the cache grows)
    const past = call.pastKeyValue ? call.pastKeyValue[0].shape[2] : (call.cache?.length ?? 0);
    return tidy(() => {
      const out = attn.forward(x, call);
      const seq = x.shape[1];
      const { numHeads, numKeyValueHeads: kvHeads, headDim } = attn;
      let q = splitHeads(attn.qProj.forward(x), numHeads);
      if (attn.options.rope) {
        const { cos, sin } = ropeTables(
          { theta: attn.options.rope.theta, positions: call.positions, positionIds: call.positionIds },
          past,
          seq,
          headDim,
          q,
        );
        q = applyRotaryEmbedding(q, cos, sin);
      }
      const prompt = this.adaptionPrompt.cast(x.dtype);
      const k = repeatKeyValueHeads(splitHeads(attn.kProj.forward(prompt), kvHeads), numHeads / kvHeads);
      const v = repeatKeyValueHeads(splitHeads(attn.vProj.forward(prompt), kvHeads), numHeads / kvHeads);
      const scores = q.matmul(k, { transposeB: true }).div(Math.sqrt(headDim));
      // PEFT upcasts the softmax to float32; float64 (gradient checks) stays float64 rather than rounding to float32
      const probs =
        scores.dtype === 'float32' || scores.dtype === 'float64'
          ? scores.softmax(-1)
          : scores.cast('float32').softmax(-1).cast(scores.dtype);
      const gated = probs.mul(this.adaptionGate.cast(probs.dtype));
      const adapter = attn.oProj.forward(mergeHeads(gated.matmul(v)));
      return out.add(adapter);
    });
  }
}
