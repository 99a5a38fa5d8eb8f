import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** SwiftShader's Vulkan driver as Debian's chromium package ships it (with its own Vulkan loader). */
const SWIFTSHADER_DIR = '/usr/lib/chromium';

/**
 * Where Dawn (the `webgpu` package) finds no adapter (no GPU driver), Vulkan can be pointed at
 * SwiftShader: VK_ICD_FILENAMES is set when unset, and the loader is found through LD_LIBRARY_PATH,
 * which is read only at process start, so the benchmark runs again in a child process with both
 * set. Returns true when it did so (the caller then has nothing left to do).
 */
export function rerunWithSwiftShader(): boolean {
  const icd = `${SWIFTSHADER_DIR}/vk_swiftshader_icd.json`;
  if (process.env.VK_ICD_FILENAMES !== undefined || !existsSync(icd)) return false;
  const libraryPath = [SWIFTSHADER_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, VK_ICD_FILENAMES: icd, LD_LIBRARY_PATH: libraryPath },
  });
  process.exitCode = child.status ?? 1;
  return true;
}

/**
 * Gives Node a `navigator.gpu` from the `webgpu` package (Dawn) and its WebGPU globals
 * (GPUBufferUsage, ...), which @tensorflow/tfjs-backend-webgpu expects to find.
 */
export async function installNavigatorGpu(): Promise<GPU> {
  const { create, globals } = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  for (const [key, value] of Object.entries(globals)) (globalThis as Record<string, unknown>)[key] ??= value;
  const g = globalThis as { navigator?: object };
  g.navigator ??= {};
  const gpu = create([]);
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  return gpu;
}
