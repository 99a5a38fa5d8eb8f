/**
 * Just enough of the WebAssembly binary format to write the matmul block kernel by hand: one
 * memory, functions with i32 parameters and no results, and the handful of scalar and SIMD
 * instructions the kernel uses. Keeping the emitter here means the kernel needs no build step,
 * no file and no download, and runs wherever WebAssembly SIMD does (browsers and Node).
 */

export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 for a 32-bit value. */
export function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

/** A function body under construction: each method appends one instruction. */
export class Code {
  readonly bytes: number[] = [];

  private op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }

  private simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }

  get(local: number): this {
    return this.op(0x20, ...uleb(local));
  }
  set(local: number): this {
    return this.op(0x21, ...uleb(local));
  }
  tee(local: number): this {
    return this.op(0x22, ...uleb(local));
  }
  i32(value: number): this {
    return this.op(0x41, ...sleb(value));
  }
  add(): this {
    return this.op(0x6a);
  }
  sub(): this {
    return this.op(0x6b);
  }
  mul(): this {
    return this.op(0x6c);
  }
  /** `block` with no result; `br 0` inside jumps past its `end`. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  /** `loop` with no result; `br 0` inside jumps back to its start. */
  loop(): this {
    return this.op(0x03, 0x40);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  end(): this {
    return this.op(0x0b);
  }

  // SIMD (memarg: log2 alignment, then the constant byte offset)
  v128Load(offset: number): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  v128Store(offset: number): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }
  v128Load32Splat(offset: number): this {
    return this.simd(0x09, 2, ...uleb(offset));
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  /** Relaxed SIMD's a · b + c (fused where the hardware has FMA); pops a, b, c. */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }
}

export interface FunctionDef {
  readonly name: string;
  readonly params: number;
  /** Extra locals beyond the parameters, as [count, type] runs. */
  readonly locals: readonly (readonly [number, number])[];
  readonly code: Code;
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function utf8(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** Where the module's memory comes from: its own, or `env.memory` shared between threads (up to maxPages). */
export type MemorySpec =
  { readonly kind: 'own'; readonly pages: number } | { readonly kind: 'shared'; readonly pages: number; readonly maxPages: number };

/**
 * A module with one memory named `memory` (its own, exported, `pages` of 64 KiB to start and
 * growable; or imported as `env.memory`, shared, for worker threads) and the given functions, each
 * exported under its name and typed (i32 × params) → ().
 */
export function moduleBytes(memorySpec: MemorySpec, functions: readonly FunctionDef[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...uleb(f.params), ...new Array<number>(f.params).fill(I32), 0]);
  const funcs = functions.map((_, i) => uleb(i));
  const own = memorySpec.kind === 'own';
  const memoryImport = own
    ? []
    : [[...utf8('env'), ...utf8('memory'), 0x02, 0x03, ...uleb(memorySpec.pages), ...uleb(memorySpec.maxPages)]];
  const memory = own ? [[0x00, ...uleb(memorySpec.pages)]] : [];
  const exports = [...(own ? [[...utf8('memory'), 0x02, 0]] : []), ...functions.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)])];
  const bodies = functions.map((f) => {
    const locals = vec(f.locals.map(([count, type]) => [...uleb(count), type]));
    const body = [...locals, ...f.code.bytes, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...(own ? [] : section(2, vec(memoryImport))),
    ...section(3, vec(funcs)),
    ...(own ? section(5, vec(memory)) : []),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
