/// <reference types="@webgpu/types" />
import { registerBackend } from '@peftjs/core';
import { createWebGPUBackend } from './device.js';

export { WebGPUBackend, type WebGPUBackendOptions } from './backend.js';
export { createWebGPUBackend, WebGPUUnavailableError, type CreateWebGPUBackendOptions } from './device.js';
export type { WebGPUStorage } from './storage.js';

let instance: ReturnType<typeof createWebGPUBackend> | undefined;

/**
 * Importing this package registers 'webgpu' above the CPU backend. Nothing is requested until the
 * engine asks; on a machine without an adapter, `await setBackend('webgpu')` rejects with a
 * "no WebGPU adapter" error (and the engine's automatic choice moves on to another backend).
 */
registerBackend(
  'webgpu',
  () => {
    if (!instance) {
      instance = createWebGPUBackend();
      instance.catch(() => {}); // the engine may start it without awaiting; whoever awaits sees the error
    }
    return instance;
  },
  2,
);
