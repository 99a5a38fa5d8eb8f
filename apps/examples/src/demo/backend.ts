/** Selects the compute backend by name; WebGPU's package is loaded only when asked for. */
import { getBackend, setBackend } from '@peftjs/core';
import '@peftjs/backend-cpu';
import type { BackendName } from './options.js';

export async function useBackend(name: BackendName): Promise<string> {
  if (name === 'webgpu') await import('@peftjs/backend-webgpu');
  try {
    await setBackend(name);
  } catch (e) {
    throw new Error(`demo: --backend ${name} is not available here: ${(e as Error).message}`);
  }
  return getBackend();
}
