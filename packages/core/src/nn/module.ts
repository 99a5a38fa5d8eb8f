import { engine } from '../engine.js';
import { formatShape, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { cast } from '../ops/cast.js';

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * PyTorch's nn.Module: named parameters and child modules, train/eval mode, state dicts with
 * dotted names (`layers.0.attn.q_proj.weight`), the same names Hugging Face checkpoints use.
 */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, value: Tensor | null): void {
    const previous = this.params.get(name);
    if (previous && previous !== value) previous.dispose();
    this.params.set(name, value);
  }

  protected registerBuffer(name: string, value: Tensor): void {
    engine().keep(value);
    this.buffers.get(name)?.dispose();
    this.buffers.set(name, value);
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** The parameter or buffer registered under `name` on this module. */
  protected get(name: string): Tensor | null {
    return this.params.get(name) ?? this.buffers.get(name) ?? null;
  }

  *namedChildren(): Generator<[string, Module]> {
    yield* this.children.entries();
  }

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.children) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [name, module] of this.namedModules(prefix)) {
      for (const [p, value] of module.params) if (value) yield [name ? `${name}.${p}` : p, value];
    }
  }

  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  *namedBuffers(): Generator<[string, Tensor]> {
    for (const [name, module] of this.namedModules()) {
      for (const [b, value] of module.buffers) yield [name ? `${name}.${b}` : b, value];
    }
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters and buffers by dotted name (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's parameters and buffers. Every shape is checked before
   * anything is written, so a failed load leaves the module as it was. `strict` (default) also
   * fails on missing or unexpected keys; otherwise they are reported.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor> | Record<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !entries.has(k));
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      throw new Error(
        `loadStateDict: missing keys [${missingKeys.join(', ')}]; unexpected keys [${unexpectedKeys.join(', ')}]`,
      );
    }
    for (const [key, target] of own) {
      const value = entries.get(key);
      if (value && !shapesEqual(value.shape, target.shape)) {
        throw new RangeError(`loadStateDict: ${key} has shape ${formatShape(value.shape)}, the module expects ${formatShape(target.shape)}`);
      }
    }
    noGrad(() => {
      for (const [key, target] of own) {
        const value = entries.get(key);
        if (!value) continue;
        const converted = value.dtype === target.dtype ? value : cast(value, target.dtype);
        target.assign(converted);
        if (converted !== value) converted.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const [, m] of this.namedModules()) {
      for (const p of m.params.values()) p?.dispose();
      for (const b of m.buffers.values()) b.dispose();
    }
  }

  abstract forward(...inputs: unknown[]): unknown;
}
