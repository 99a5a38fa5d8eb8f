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
