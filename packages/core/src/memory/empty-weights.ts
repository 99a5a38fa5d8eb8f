/**
 * Models made without their weights (accelerate's init_empty_weights, PyTorch's meta device):
 * inside `initEmptyWeights(fn)` every tensor is created on a backend that stores nothing and whose
 * kernels do nothing, so a model's constructor records each parameter's shape and dtype without
 * allocating or initialising it. A loader then gives each parameter its real storage once
 * (`Tensor.assign` with a tensor on the target backend).
 */
import type { Backend } from '../backend.js';
import { DTYPES, type DType } from '../dtype.js';
import { engine } from '../engine.js';
import type { KernelTable } from '../kernels.js';
import type { Tensor } from '../tensor.js';

const META_NAME = 'meta';

/** Every kernel is a no-op: meta tensors have shapes and dtypes but no values. */
const metaKernels = new Proxy({}, { get: () => () => undefined }) as KernelTable<null>;

class MetaBackend implements Backend<null> {
  readonly name = META_NAME;
  readonly capabilities = {
    dtypes: DTYPES,
    syncRead: false,
    requiresContiguous: false,
    maxBufferSize: Number.POSITIVE_INFINITY,
    storesNothing: true,
  };
  readonly kernels = metaKernels;
  alloc(): null {
    return null;
  }
  free(): void {}
  upload(): void {}
  read(_storage: null, dtype: DType): Promise<never> {
    return Promise.reject(new Error(`read: a meta tensor (${dtype}, made under initEmptyWeights) has no values; load its weights first`));
  }
  flush(): void {}
  memory() {
    return { numBytes: 0, numBuffers: 0 };
  }
  numLiveBuffers(): number {
    return 0;
  }
}

let meta: MetaBackend | null = null;

/** The backend of tensors made under initEmptyWeights (no storage, no-op kernels). */
export function metaBackend(): Backend {
  meta ??= new MetaBackend();
  return meta;
}

/** Whether `t` was made under initEmptyWeights and has no values yet. */
export function isMeta(t: Tensor): boolean {
  return t.ref.backend.name === META_NAME && t.ref.backend === meta;
}

/**
 * Runs `fn` (synchronous, typically a model constructor) with every new tensor on the meta
 * backend: parameters get their shapes and dtypes but no memory and no initialisation.
 */
export function initEmptyWeights<T>(fn: () => T): T {
  const e = engine();
  return e.withActiveBackend(metaBackend(), fn);
}
