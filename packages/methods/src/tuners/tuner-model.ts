import { Module, type Tensor } from '@peftjs/core';
import { adapterTensorsIn } from './adapter-dict.js';

/**
 * PEFT's LoraModel / IA3Model / ...: holds the user's model as `model`, so parameter names read
 * `base_model.model.<path>`. Methods that share tensors across layers (VeRA's projections) keep
 * them here in per-adapter dicts listed in `sharedAdapterDicts`.
 */
export class TunerModel extends Module {
  readonly sharedAdapterDicts: string[] = [];

  constructor(model: Module) {
    super();
    this.registerModule('model', model);
  }

  get model(): Module {
    return this.child('model');
  }

  /** Adds a dict of per-adapter tensors shared by every layer (saved as `base_model.<name>`). */
  shared<D extends Module>(name: string, make: () => D): D {
    if (!this.has(name)) {
      this.registerModule(name, make());
      this.sharedAdapterDicts.push(name);
    }
    return this.child<D>(name);
  }

  /** Frees the shared tensors (when the model is unloaded and the layers that read them are gone). */
  disposeShared(): void {
    for (const name of this.sharedAdapterDicts.splice(0)) this.unregister(name);
  }

  /** `[inMemory, onDisk, tensor]` of the shared tensors of `adapter`. */
  sharedTensors(adapter: string): Generator<[string, string, Tensor]> {
    return adapterTensorsIn(this, this.sharedAdapterDicts, adapter);
  }

  forward(...inputs: unknown[]): unknown {
    return this.model.forward(...inputs);
  }
}
