import { Module } from './module.js';

/** Holds child modules named "0", "1", ... (PyTorch's nn.ModuleList); iterate it to call them. */
export class ModuleList<M extends Module = Module> extends Module<[], never> {
  private count = 0;

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(module: M): this {
    this.registerModule(String(this.count++), module);
    return this;
  }

  get length(): number {
    return this.count;
  }

  /** The i-th module (negative counts from the end), as currently registered. */
  at(i: number): M {
    const j = i < 0 ? i + this.count : i;
    if (!Number.isInteger(j) || j < 0 || j >= this.count)
      throw new RangeError(`ModuleList: index ${i} is out of range for ${this.count} modules`);
    return this.child<M>(String(j));
  }

  *[Symbol.iterator](): Iterator<M> {
    for (let i = 0; i < this.count; i++) yield this.child<M>(String(i));
  }

  forward(): never {
    throw new Error('ModuleList: has no forward; iterate it and call each module');
  }
}
