/** Selects the compute backend by name; WebGPU's package is loaded only when asked for. */
import { getBackend, setBackend } from '@peftjs/core';
import '@peftjs/backend-cpu';
import type { BackendName } from './options.js';

export async function useBackend(name: BackendName): Promise<string> {
  if (name === 'webgpu') await import('@peftjs/backend-webgpu');
  try {
    await setBackend(name);
  } catch (e) {
    throw new Error(`demo: --backend ${name} is not available here: ${(e as Error).message}`, { cause: e });
  }
  return getBackend();
}

/** The backend is ready in this process, or the command ran again in a child that exited with `exitCode`. */
export type BackendSetup = { readonly backend: string } | { readonly exitCode: number };

/**
 * `useBackend(name)` for the command's first step. Where WebGPU finds no adapter in Node (no GPU
 * driver), the command runs once more in a child process pointed at a CPU Vulkan driver (SwiftShader,
 * found as the benchmarks find it), since LD_LIBRARY_PATH cannot change inside a running process; with
 * no such driver the error names the variables to set and a value that works.
 */
export async function setUpBackend(name: BackendName): Promise<BackendSetup> {
  try {
    return { backend: await useBackend(name) };
  } catch (e) {
    if (name !== 'webgpu' || !(await isNoAdapter(e))) throw e;
    const vulkan = await import('@peftjs/backend-webgpu/node');
    const env = vulkan.softwareVulkanEnv();
    if (env)
      console.error(
        `demo: no WebGPU adapter with this process's Vulkan set-up; running again with VK_ICD_FILENAMES=${env.VK_ICD_FILENAMES} LD_LIBRARY_PATH=${env.LD_LIBRARY_PATH}`,
      );
    const exitCode = vulkan.rerunWithSoftwareVulkan();
    if (exitCode !== null) return { exitCode };
    throw new Error(`demo: --backend webgpu found no WebGPU adapter: ${vulkan.noAdapterHelp()}`, { cause: e });
  }
}

/** Whether `e` (from useBackend) says there is no WebGPU adapter, as opposed to any other failure. */
async function isNoAdapter(e: unknown): Promise<boolean> {
  const { WebGPUUnavailableError } = await import('@peftjs/backend-webgpu');
  return e instanceof Error && e.cause instanceof WebGPUUnavailableError;
}
