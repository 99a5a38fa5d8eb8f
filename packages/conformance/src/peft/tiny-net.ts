import { LayerNorm, Linear, Module, add, causalBias, gelu, matmul, mul, softmax, type Tensor } from '@peftjs/core';

/**
 * The golden folder's TinyNet, the base of the non-HF PEFT cases: (B, T, 16) → (B, T, 16).
 *   h = LayerNorm(x); q, k, v = q_proj(h), k_proj(h), v_proj(h)
 *   x = x + o_proj(softmax(causal(q kᵀ / 4)) v)
 *   out = x + down_proj(gelu_erf(up_proj(x)))
 */
export class TinyNet extends Module {
  constructor(dim = 16, hidden = 32) {
    super();
    this.registerModule('norm', new LayerNorm(dim, { eps: 1e-5 }));
    for (const name of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) this.registerModule(name, new Linear(dim, dim));
    this.registerModule('up_proj', new Linear(dim, hidden));
    this.registerModule('down_proj', new Linear(hidden, dim));
  }

  private call(name: string, x: Tensor): Tensor {
    return this.child<Module<[Tensor], Tensor>>(name).forward(x);
  }

  forward(x: Tensor): Tensor {
    const t = x.shape[1]!;
    const h = this.call('norm', x);
    const q = this.call('q_proj', h);
    const k = this.call('k_proj', h);
    const v = this.call('v_proj', h);
    const scores = mul(matmul(q, k, { transposeB: true }), 1 / Math.sqrt(q.shape[q.rank - 1]!));
    const attn = softmax(add(scores, causalBias(t, t, scores)), -1);
    const x1 = add(x, this.call('o_proj', matmul(attn, v)));
    return add(x1, this.call('down_proj', gelu(this.call('up_proj', x1))));
  }
}
