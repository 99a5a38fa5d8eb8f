import { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';

/** Thrown when no WebGPU adapter can be found (no navigator.gpu, no `webgpu` package, no GPU driver). */
export class WebGPUUnavailableError extends Error {
  constructor(reason: string) {
    super(`webgpu: no WebGPU adapter: ${reason}`);
    this.name = 'WebGPUUnavailableError';
  }
}

export interface CreateWebGPUBackendOptions extends WebGPUBackendOptions {
  powerPreference?: GPUPowerPreference;
}

/** navigator.gpu in browsers; in Node, the `webgpu` package (Dawn), loaded only when needed. */
async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new WebGPUUnavailableError('this browser has no navigator.gpu');
  const name = 'webgpu';
  let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = await import(/* @vite-ignore */ name);
  } catch (err) {
    throw new WebGPUUnavailableError(
      `install the 'webgpu' package to use WebGPU in Node (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  for (const [key, value] of Object.entries(dawn.globals)) (globalThis as Record<string, unknown>)[key] ??= value;
  return dawn.create([]);
}

/**
 * Finds an adapter, requests a device with the adapter's largest buffer limits and wraps it.
 * Rejects with a WebGPUUnavailableError when there is no adapter.
 */
export async function createWebGPUBackend(options: CreateWebGPUBackendOptions = {}): Promise<WebGPUBackend> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter)
    throw new WebGPUUnavailableError(
      'requestAdapter() found none (no GPU, or no driver; in Node on a machine without a GPU, a Vulkan driver such as SwiftShader)',
    );
  const { limits } = adapter;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxBufferSize: limits.maxBufferSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    },
  });
  return new WebGPUBackend(device, { ownsDevice: true, keepAlive: gpu, ...options });
}
