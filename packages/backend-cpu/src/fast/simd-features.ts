import { Code, moduleBytes, V128 } from './wasm.js';

/** A function that runs one relaxed-SIMD multiply-add: valid only where the engine has relaxed SIMD. */
function relaxedProbe(): Uint8Array {
  const c = new Code();
  c.get(0).v128Load(0).get(0).v128Load(0).get(0).v128Load(0).f32x4RelaxedMadd().set(1);
  return moduleBytes({ kind: 'own', pages: 1 }, [{ name: 'probe', params: 1, locals: [[1, V128]], code: c }]);
}

type NodeProcess = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };

/** Node's process where this is Node (20.16 or later has getBuiltinModule), else undefined. */
export function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : undefined;
}

let relaxed: boolean | undefined;

/**
 * Whether WebAssembly relaxed SIMD (f32x4.relaxed_madd) compiles here. Browsers have it; Node 20
 * has it behind --experimental-wasm-relaxed-simd, which is switched on here (V8 reads it when a
 * module is compiled, so it must happen before the kernel is built). Answers once per process.
 */
export function hasRelaxedSimd(): boolean {
  if (relaxed !== undefined) return relaxed;
  relaxed = false;
  try {
    if (typeof WebAssembly !== 'object') return relaxed;
    const probe = relaxedProbe() as BufferSource;
    if (!WebAssembly.validate(probe)) {
      const v8 = nodeProcess()?.getBuiltinModule?.('node:v8') as { setFlagsFromString(flags: string): void } | undefined;
      v8?.setFlagsFromString('--experimental-wasm-relaxed-simd');
    }
    relaxed = WebAssembly.validate(probe);
  } catch {
    relaxed = false;
  }
  return relaxed;
}
