import { getBackend, setBackend } from '@peftjs/core';
import '@peftjs/backend-cpu';
import { CliError } from './errors.js';

/** Activates --backend (cpu or webgpu; WebGPU's package is loaded only when asked for). */
export async function useBackend(name: string | undefined): Promise<string> {
  const wanted = name ?? 'cpu';
  if (wanted !== 'cpu' && wanted !== 'webgpu') throw new CliError(`--backend must be cpu or webgpu, got '${wanted}'`);
  if (wanted === 'webgpu') await import('@peftjs/backend-webgpu');
  try {
    await setBackend(wanted);
  } catch (err) {
    throw new CliError(`--backend ${wanted} is not available here: ${(err as Error).message}`);
  }
  return getBackend();
}
