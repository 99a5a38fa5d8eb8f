import { Conv1D, fill, mergeHeads, Module, parameter, randn, split, splitHeads, type Tensor, tidy } from '@peftjs/core';
import { GPT2Attention, type LayerPast } from '@peftjs/models';

/**
 * LLaMA-Adapter on GPT-2 (HF PEFT's AdaptedAttentionGPT): wraps a GPT2Attention (kept as `model`);
 * queries, and the prompt's keys and values, come from the wrapped c_attn; the gated attention
 * over the prompt is added to the attention output without c_proj (PEFT's GPT-2 form):
 *   out = attn(x) + merge(gate · softmax(q kᵀ / √d) v),  (_, k, v) = c_attn(P).
 */
export class AdaptedAttentionGPT2 extends Module {
  constructor(
    attention: GPT2Attention,
    readonly adapterLen: number,
  ) {
    super();
    if (!(attention instanceof GPT2Attention))
      throw new TypeError(`AdaptedAttentionGPT2: can only wrap a GPT2Attention, got ${(attention as object)?.constructor?.name}`);
    if (!Number.isInteger(adapterLen) || adapterLen < 1)
      throw new RangeError(`AdaptedAttentionGPT2: adapter_len must be a positive integer, got ${adapterLen}`);
    const weight = attention.getSubmodule('c_attn').stateDict().get('weight')!;
    const dtype = weight.dtype as 'float32' | 'float64';
    this.registerModule('model', attention);
    this.registerParameter(
      'adaption_prompt',
      parameter(randn([1, adapterLen, attention.config.nEmbd], { dtype, backend: weight.backend })),
    );
    this.registerParameter('adaption_gate', parameter(fill([1], 0, dtype, weight.backend)));
  }

  get model(): GPT2Attention {
    return this.child('model');
  }
  get adaptionPrompt(): Tensor {
    return this.get('adaption_prompt')!;
  }
  get adaptionGate(): Tensor {
    return this.get('adaption_gate')!;
  }

  forward(x: Tensor, bias: Tensor | null, past: LayerPast | null = null): Tensor {
    const attn = this.model;
    const { nEmbd, nHead } = attn.config;
    const cAttn = attn.getSubmodule('c_attn') as Conv1D;
    return tidy(() => {
      const out = attn.forward(x, bias, past);
      const q = splitHeads(split(cAttn.forward(x), nEmbd, -1)[0], nHead);
      const prompt = this.adaptionPrompt.cast(x.dtype);
      const [, k, v] = split(cAttn.forward(prompt), nEmbd, -1).map((t) => splitHeads(t, nHead));
      const probs = q
        .matmul(k, { transposeB: true })
        .div(Math.sqrt(nEmbd / nHead))
        .softmax(-1);
      const gate = this.adaptionGate.cast(probs.dtype);
      return out.add(mergeHeads(probs.mul(gate).matmul(v)));
    });
  }
}
