import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the native addon (native/addon.cc) exports; the CUDA and the emulated build export the same. */
export interface NativeAddon {
  readonly emulated: boolean;
  init(): { device: string; emulated: boolean; gemm: string };
  kernelNames(): string[];
  alloc(bytes: number): number;
  free(handle: number): void;
  upload(handle: number, data: ArrayBufferView): void;
  launch(kernel: number, handles: Int32Array, meta: Float64Array): void;
  read(handle: number, bytes: number): Promise<{ data: ArrayBuffer; status: Int32Array }>;
  memory(): { usedBytes: number; cachedBytes: number; blocks: number };
  emptyCache(): void;
  synchronize(): void;
  setMathMode(mode: number): void;
  gemmProvider(): string;
  loadCublas(path: string): void;
  preferOwnGemm(own: boolean): void;
  gemm(format: number, m: number, n: number, k: number, a: number, b: number, c: number, path: number): number;
}

/** Thrown when the CUDA backend cannot start: no addon built, no driver, no device. */
export class CudaUnavailableError extends Error {
  constructor(reason: string) {
    super(reason.startsWith('cuda: ') ? reason : `cuda: no CUDA device: ${reason}`);
    this.name = 'CudaUnavailableError';
  }
}

export type AddonKind = 'cuda' | 'emulated';

const FILES: Record<AddonKind, string> = { cuda: 'peftjs_cuda.node', emulated: 'peftjs_cuda_emu.node' };
const loaded = new Map<AddonKind, NativeAddon>();

/** The package's build folder (the same from src/ in tests and from dist/ once bundled). */
function buildDir(): string {
  return fileURLToPath(new URL('../build/', import.meta.url));
}

/** Why the CUDA addon was not built, as the build recorded it (no nvcc, no cmake, ...). */
function buildStatus(): string {
  const file = `${buildDir()}cuda-status.txt`;
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : 'the native addon was not built (run the package build)';
}

/**
 * Loads one of the two addons. PEFTJS_CUDA_ADDON_DIR may name another folder holding them (the
 * addons carried to a machine without a build, next to a bundled runner).
 */
export function loadAddon(kind: AddonKind): NativeAddon {
  const cached = loaded.get(kind);
  if (cached) return cached;
  const dir = process.env.PEFTJS_CUDA_ADDON_DIR;
  const path = dir ? join(dir, FILES[kind]) : `${buildDir()}Release/${FILES[kind]}`;
  if (!existsSync(path)) {
    const why = kind === 'cuda' ? buildStatus() : 'the emulated addon was not built (run the package build)';
    throw new CudaUnavailableError(`cuda: no CUDA device: ${why}`);
  }
  const addon = createRequire(import.meta.url)(path) as NativeAddon;
  loaded.set(kind, addon);
  return addon;
}
