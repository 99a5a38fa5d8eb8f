import { Conv2d, Embedding, Linear, Module, ModuleList, add, gelu, noGrad, randn, type Tensor } from '@peftjs/core';
import { TinyNet } from '@peftjs/conformance';

const call = (m: Module, name: string, x: Tensor): Tensor =>
  (m as unknown as { child<M extends Module>(n: string): M }).child(name).forward(x) as Tensor;

/** The golden cases' TinyNet (from the conformance suite). */
export { TinyNet };

/** A module that only holds named children (PyTorch modules used as namespaces). */
class Container extends Module {
  constructor(children: Record<string, Module>) {
    super();
    for (const [name, m] of Object.entries(children)) this.registerModule(name, m);
  }

  forward(): never {
    throw new Error('Container: call its children');
  }
}

/** One block of LayeredNet: `self_attn.q_proj`, `self_attn.v_proj`, `mlp.up_proj`, `mlp.down_proj`. */
class Block extends Module {
  constructor(dim: number) {
    super();
    this.registerModule('self_attn', new Container({ q_proj: new Linear(dim, dim), v_proj: new Linear(dim, dim) }));
    this.registerModule('mlp', new Container({ up_proj: new Linear(dim, 2 * dim), down_proj: new Linear(2 * dim, dim) }));
  }

  forward(x: Tensor): Tensor {
    const attn = this.getSubmodule('self_attn');
    const mlp = this.getSubmodule('mlp');
    const h = add(x, call(attn, 'v_proj', call(attn, 'q_proj', x)));
    return add(h, call(mlp, 'down_proj', gelu(call(mlp, 'up_proj', h))));
  }
}

/** A small stack named like HF decoders: `model.layers.<i>.self_attn.q_proj`, ..., and `lm_head`. */
export class LayeredNet extends Module {
  constructor(
    readonly dim = 8,
    layers = 3,
  ) {
    super();
    this.registerModule('model', new Container({ layers: new ModuleList(Array.from({ length: layers }, () => new Block(dim))) }));
    this.registerModule('lm_head', new Linear(dim, dim, { bias: false }));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const block of this.getSubmodule('model.layers') as ModuleList) h = block.forward(h) as Tensor;
    return call(this, 'lm_head', h);
  }
}

/** Token ids → Embedding → Linear head: LoRA on `embed` and `head`. */
export class EmbedNet extends Module {
  constructor(vocab = 11, dim = 6) {
    super();
    this.registerModule('embed', new Embedding(vocab, dim));
    this.registerModule('head', new Linear(dim, 5));
  }

  forward(ids: Tensor): Tensor {
    return call(this, 'head', call(this, 'embed', ids));
  }
}

/** Images → Conv2d (3×3, stride 2, padding 1) → 1×1 Conv2d: LoRA on `conv` and `proj`. */
export class ConvNet extends Module {
  constructor(inChannels = 3, channels = 5, options: { dilation?: number } = {}) {
    super();
    this.registerModule('conv', new Conv2d(inChannels, channels, 3, { stride: 2, padding: 1, dilation: options.dilation ?? 1 }));
    this.registerModule('proj', new Conv2d(channels, 4, 1));
  }

  forward(x: Tensor): Tensor {
    return call(this, 'proj', call(this, 'conv', x));
  }
}

/** Every trainable tensor re-drawn from N(0, std²), so adapters initialised to no change (zero B, zero gates) change the output. */
export function randomizeTrainable(model: Module, std = 0.5): void {
  noGrad(() => {
    for (const p of model.parameters()) {
      if (!p.requiresGrad) continue;
      const v = randn(p.shape, { std });
      p.assign(v);
      v.dispose();
    }
  });
}
