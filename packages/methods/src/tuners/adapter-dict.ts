import { keep, Module, type Tensor } from '@peftjs/core';

/**
 * PyTorch's ModuleDict / ParameterDict / BufferDict keyed by adapter name, so tensor names read
 * like PEFT's: `q_proj.lora_A.default.weight`, `q_proj.ia3_l.default`.
 */
export class ModuleDict<M extends Module = Module> extends Module {
  set(name: string, module: M): void {
    if (this.has(name)) this.unregister(name);
    this.registerModule(name, module);
  }
  entry(name: string): M | undefined {
    return this.has(name) ? this.child<M>(name) : undefined;
  }
  /** The module under `name`; throws naming the adapter when it is absent. */
  at(name: string): M {
    const m = this.entry(name);
    if (!m) throw new Error(`ModuleDict: no adapter '${name}'`);
    return m;
  }
  delete(name: string): void {
    this.unregister(name);
  }
  keys(): string[] {
    return this.ownNames();
  }
  forward(): never {
    throw new Error('ModuleDict: call forward on one of its modules');
  }
}

export class ParameterDict extends Module {
  set(name: string, value: Tensor): void {
    if (this.has(name)) this.unregister(name);
    this.registerParameter(name, value);
  }
  entry(name: string): Tensor | undefined {
    return this.has(name) ? this.get(name)! : undefined;
  }
  /** The tensor under `name`; throws naming the adapter when it is absent. */
  at(name: string): Tensor {
    const t = this.entry(name);
    if (!t) throw new Error(`${this.constructor.name}: no adapter '${name}'`);
    return t;
  }
  delete(name: string): void {
    this.unregister(name);
  }
  keys(): string[] {
    return this.ownNames();
  }
  forward(): never {
    throw new Error(`${this.constructor.name}: holds tensors, it has no forward`);
  }
}

/** Non-trainable per-adapter tensors (saved with the adapter where the method says so). */
export class BufferDict extends ParameterDict {
  override set(name: string, value: Tensor): void {
    if (this.has(name)) this.unregister(name);
    keep(value);
    this.registerBuffer(name, value);
  }
}

/** Dicts whose entries are tensors rather than modules. */
export const isTensorDict = (m: Module): m is ParameterDict => m instanceof ParameterDict;

/**
 * The tensors of `adapter` in the dicts `dictNames` of `owner`, as `[inMemory, onDisk, tensor]`:
 * `lora_A.default.weight` → `lora_A.weight`, `ia3_l.default` → `ia3_l` (PEFT drops the adapter
 * segment when it saves).
 */
export function* adapterTensorsIn(owner: Module, dictNames: readonly string[], adapter: string): Generator<[string, string, Tensor]> {
  const children = new Map(owner.namedChildren());
  for (const dictName of dictNames) {
    const dict = children.get(dictName);
    if (!dict) continue;
    if (isTensorDict(dict)) {
      const t = dict.entry(adapter);
      if (t) yield [`${dictName}.${adapter}`, dictName, t];
    } else if (dict instanceof ModuleDict) {
      const m = dict.entry(adapter);
      if (m) for (const [k, t] of m.stateDict()) yield [`${dictName}.${adapter}.${k}`, `${dictName}.${k}`, t];
    }
  }
}
