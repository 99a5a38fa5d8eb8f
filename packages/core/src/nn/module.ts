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
 * `In` and `Out` type `forward` (`Module<[Tensor], Tensor>` for a layer); the defaults accept any module.
 */
export abstract class Module<In extends unknown[] = unknown[], Out = unknown> {
  training = true;
  private readonly params = new Map<string, Tensor | null>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /**
   * Fields assigned PyTorch-style register themselves: `this.fc1 = new Linear(4, 8)` makes `fc1`
   * a child module, and a tensor that requires grad (`this.scale = parameter(ones([8]))`) a
   * parameter, as nn.Module's __setattr__ does. Plain tensors stay plain fields (buffers need
   * registerBuffer, as in PyTorch).
   */
  constructor() {
    return registeringFields(this);
  }

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

  /**
   * Removes the parameter, buffer or child module registered under `name` on this module. Its
   * tensors are disposed unless `dispose` is false (the caller keeps them).
   */
  protected unregister(name: string, dispose = true): void {
    // a field assigned PyTorch-style goes with its registration
    if (Object.getOwnPropertyDescriptor(this, name)?.get) delete (this as unknown as Record<string, unknown>)[name];
    if (this.params.has(name)) {
      if (dispose) this.params.get(name)?.dispose();
      this.params.delete(name);
    } else if (this.buffers.has(name)) {
      if (dispose) this.buffers.get(name)!.dispose();
      this.buffers.delete(name);
    } else if (this.children.has(name)) {
      if (dispose) this.children.get(name)!.dispose();
      this.children.delete(name);
    }
  }

  /** Whether a parameter, buffer or child is registered under `name` on this module. */
  protected has(name: string): boolean {
    return this.params.has(name) || this.buffers.has(name) || this.children.has(name);
  }

  /** The names registered on this module itself: parameters, buffers and children, in order. */
  protected ownNames(): string[] {
    return [...this.params.keys(), ...this.buffers.keys(), ...this.children.keys()];
  }

  /**
   * A deep copy (PyTorch's copy.deepcopy of a module): same class and settings, every parameter
   * and buffer copied, ties inside the copy kept. Gradients are not copied.
   */
  clone(): this {
    return cloneInto(this, new Map());
  }

  /** The child module registered under `name` (looked up on every call, so a replaced child is used). */
  protected child<M extends Module = Module>(name: string): M {
    const m = this.children.get(name);
    if (!m) throw new Error(`${this.constructor.name}: no child module '${name}'`);
    return m as M;
  }

  /** The module at a dotted path (`model.layers.0.self_attn`), PyTorch's get_submodule. */
  getSubmodule(path: string): Module {
    return path === ''
      ? this
      : path.split('.').reduce<Module>((m, part) => {
          const next = m.children.get(part);
          if (!next) throw new Error(`getSubmodule: ${m.constructor.name} has no child '${part}' (path '${path}')`);
          return next;
        }, this);
  }

  /** Replaces the module at a dotted path that already exists (PyTorch's set_submodule). */
  setSubmodule(path: string, module: Module): void {
    const at = path.lastIndexOf('.');
    const parent = this.getSubmodule(at < 0 ? '' : path.slice(0, at));
    const name = path.slice(at + 1);
    if (!parent.children.has(name)) throw new Error(`setSubmodule: ${parent.constructor.name} has no child '${name}' (path '${path}')`);
    parent.children.set(name, module);
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

  /**
   * Parameters by dotted name. A tensor shared under several names (tied weights) is listed once,
   * under its first name, as PyTorch does; `stateDict()` lists every name.
   */
  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    for (const [name, value] of this.allNamedParameters(prefix)) {
      if (seen.has(value)) continue;
      seen.add(value);
      yield [name, value];
    }
  }

  private *allNamedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [name, module] of this.namedModules(prefix)) {
      for (const [p, value] of module.params) if (value) yield [name ? `${name}.${p}` : p, value];
    }
  }

  /**
   * Makes the parameter `name` of this module the very tensor `source` (tied weights, such as an
   * LM head sharing the token embedding): one tensor under two names, updated once per step.
   */
  tieParameter(name: string, source: Tensor): void {
    const current = this.params.get(name);
    if (current && (current.dtype !== source.dtype || !shapesEqual(current.shape, source.shape))) {
      throw new RangeError(
        `tieParameter: ${name} is ${current.dtype} ${formatShape(current.shape)}, the tied tensor is ${source.dtype} ${formatShape(source.shape)}`,
      );
    }
    this.registerParameter(name, source);
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
    return new Map([...this.allNamedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's parameters and buffers. Every shape is checked before
   * anything is written, so a failed load leaves the module as it was. `strict` (default) also
   * fails on missing or unexpected keys; otherwise they are reported. A tied tensor counts as
   * present when any of its names is given.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor> | Record<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const entries = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    const given = new Set([...own].filter(([k]) => entries.has(k)).map(([, t]) => t));
    const missingKeys = [...own].filter(([k, t]) => !entries.has(k) && !given.has(t)).map(([k]) => k);
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      throw new Error(`loadStateDict: missing keys [${missingKeys.join(', ')}]; unexpected keys [${unexpectedKeys.join(', ')}]`);
    }
    for (const [key, target] of own) {
      const value = entries.get(key);
      if (value && !shapesEqual(value.shape, target.shape)) {
        throw new RangeError(
          `loadStateDict: ${key} has shape ${formatShape(value.shape)}, the module expects ${formatShape(target.shape)}`,
        );
      }
    }
    noGrad(() => {
      for (const [key, target] of own) {
        const value = entries.get(key);
        if (!value) continue;
        const converted = cast(value, target.dtype);
        target.assign(converted);
        if (converted !== value) converted.dispose();
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Converts every floating-point parameter and buffer to `dtype` in place (PyTorch's
   * `module.to(dtype)` / `.double()`): new tensors replace the old ones, ties are kept,
   * `requiresGrad` is kept, and the old tensors are freed.
   */
  to(dtype: 'float32' | 'float64'): this {
    const converted = new Map<Tensor, Tensor>();
    const convert = (t: Tensor): Tensor => {
      if (t.dtype === dtype || (t.dtype !== 'float32' && t.dtype !== 'float64')) return t;
      let c = converted.get(t);
      if (!c) {
        c = noGrad(() => cast(t, dtype));
        engine().keep(c);
        c.requiresGrad = t.requiresGrad;
        converted.set(t, c);
      }
      return c;
    };
    for (const [, m] of this.namedModules()) {
      for (const [k, t] of m.params) if (t) m.params.set(k, convert(t));
      for (const [k, t] of m.buffers) m.buffers.set(k, convert(t));
    }
    for (const old of converted.keys()) old.dispose();
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    // tied tensors appear under several names; Tensor.dispose is idempotent
    for (const [, m] of this.namedModules()) {
      for (const p of m.params.values()) p?.dispose();
      for (const b of m.buffers.values()) b.dispose();
    }
  }

  abstract forward(...inputs: In): Out;
}

type Internals = { params: Map<string, Tensor | null>; buffers: Map<string, Tensor>; children: Map<string, Module> };

/**
 * The module behind a proxy that registers Module fields as children and trainable Tensor fields
 * as parameters when they are assigned. The field then reads and writes the registry itself (an
 * accessor), so a child replaced by setSubmodule or a parameter converted by `to()` is what the
 * field returns.
 */
function registeringFields<M extends Module>(module: M): M {
  return new Proxy(module, {
    defineProperty(target, key, descriptor) {
      const value: unknown = descriptor.value;
      if (typeof key !== 'string' || !('value' in descriptor) || !(value instanceof Module || (isTensor(value) && value.requiresGrad))) {
        return Reflect.defineProperty(target, key, descriptor);
      }
      registerField(target, key, value);
      return Reflect.defineProperty(target, key, {
        enumerable: true,
        configurable: true,
        get: () => fieldValue(target, key),
        set: (v: unknown) => registerField(target, key, v),
      });
    },
  });
}

function fieldValue(module: Module, key: string): Module | Tensor | null | undefined {
  const { params, children } = module as unknown as Internals;
  return children.has(key) ? children.get(key) : params.get(key);
}

function registerField(module: Module, key: string, value: unknown): void {
  const { params, buffers, children } = module as unknown as Internals;
  const name = module.constructor.name;
  if (buffers.has(key)) throw new TypeError(`${name}: cannot assign to '${key}', a buffer; use registerBuffer`);
  if (value instanceof Module) {
    if (params.has(key)) throw new TypeError(`${name}: cannot assign a module to '${key}', a parameter`);
    children.set(key, value);
  } else if (isTensor(value) || (value === null && params.has(key))) {
    if (children.has(key)) throw new TypeError(`${name}: cannot assign a tensor to '${key}', a child module`);
    (module as unknown as { registerParameter(n: string, t: Tensor | null): void }).registerParameter(key, value);
  } else {
    throw new TypeError(
      `${name}: '${key}' is a registered ${children.has(key) ? 'child module' : 'parameter'}; assign a ${children.has(key) ? 'Module' : 'Tensor or null'}, or unregister it first`,
    );
  }
}

// Tensor is imported as a type only (the tensor module imports nn); a duck check keeps it so.
function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && 'requiresGrad' in value && 'ref' in value && 'shape' in value;
}

/** Defines on `copy` the registered-field accessors `source` has. */
function copyRegisteredFields(source: Module, copy: Module): void {
  for (const key of Object.keys(source)) {
    if (!Object.getOwnPropertyDescriptor(source, key)?.get) continue;
    Reflect.defineProperty(copy, key, {
      enumerable: true,
      configurable: true,
      get: () => fieldValue(copy, key),
      set: (v: unknown) => registerField(copy, key, v),
    });
  }
}

function cloneInto<M extends Module>(source: M, copies: Map<Tensor, Tensor>): M {
  const copy = Object.create(Object.getPrototypeOf(source) as object) as M;
  const copyTensor = (t: Tensor): Tensor => {
    let c = copies.get(t);
    if (!c) {
      c = noGrad(() => t.clone());
      engine().keep(c);
      c.requiresGrad = t.requiresGrad;
      copies.set(t, c);
    }
    return c;
  };
  const from = source as unknown as Internals;
  const to = copy as unknown as Internals;
  Object.assign(to, {
    params: new Map([...from.params].map(([k, t]) => [k, t ? copyTensor(t) : null])),
    buffers: new Map([...from.buffers].map(([k, t]) => [k, copyTensor(t)])),
    children: new Map([...from.children].map(([k, m]) => [k, cloneInto(m, copies)])),
  });
  for (const [key, value] of Object.entries(source)) {
    if (key === 'params' || key === 'buffers' || key === 'children' || Object.getOwnPropertyDescriptor(source, key)?.get) continue;
    (copy as Record<string, unknown>)[key] = value;
  }
  copyRegisteredFields(source, copy);
  return registeringFields(copy);
}
