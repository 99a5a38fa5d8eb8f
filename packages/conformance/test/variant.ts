import { CpuBackend } from '@peftjs/backend-cpu';
import type { Backend, BackendCapabilities, KernelName, KernelTable } from '@peftjs/core';

export interface VariantOptions {
  name?: string;
  /** Kernels replaced (e.g. deliberately broken ones). */
  kernels?: Partial<KernelTable<unknown>>;
  /** Kernels left out (listed in `unsupported` with `reason`). */
  drop?: readonly KernelName[];
  reason?: string;
  capabilities?: Partial<BackendCapabilities>;
}

/** A CPU backend with some kernels or capabilities changed: a stand-in for other backends in the suite's own tests. */
export function cpuVariant(options: VariantOptions = {}): Backend {
  const base = new CpuBackend() as unknown as Backend;
  const kernels = { ...base.kernels, ...options.kernels } as Record<string, unknown>;
  for (const k of options.drop ?? []) delete kernels[k];
  const capabilities = { ...base.capabilities, ...options.capabilities };
  return {
    name: options.name ?? base.name,
    capabilities,
    kernels: kernels as unknown as KernelTable<unknown>,
    unsupported: Object.fromEntries((options.drop ?? []).map((k) => [k, options.reason ?? 'left out for this test'])),
    alloc: (dtype, size) => {
      if (!capabilities.dtypes.includes(dtype)) throw new TypeError(`variant: no ${dtype} storage`);
      return base.alloc(dtype, size);
    },
    free: (s) => base.free(s),
    upload: (s, d) => base.upload(s, d),
    read: (s, d, n) => base.read(s, d, n),
    readSync: capabilities.syncRead ? (s, d, n) => base.readSync!(s, d, n) : undefined,
    flush: () => base.flush(),
    memory: () => base.memory(),
    numLiveBuffers: () => base.numLiveBuffers(),
  };
}
