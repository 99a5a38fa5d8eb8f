import type { Backend } from '@peftjs/core';

/**
 * The CPU reference backend, the oracle every backend is compared with. @peftjs/backend-cpu is an
 * optional peer dependency (it devDepends on this package), so it is loaded only when needed.
 */
export async function loadReferenceBackend(): Promise<Backend> {
  let mod: { CpuBackend?: new () => Backend };
  try {
    mod = (await import('@peftjs/backend-cpu')) as unknown as { CpuBackend?: new () => Backend };
  } catch (e) {
    throw new Error(
      `conformance: the CPU reference backend is needed as the oracle; install @peftjs/backend-cpu or pass createReference (${(e as Error).message})`,
    );
  }
  if (typeof mod.CpuBackend !== 'function') throw new Error('conformance: @peftjs/backend-cpu does not export CpuBackend');
  return new mod.CpuBackend();
}
