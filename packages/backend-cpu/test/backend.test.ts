import { FUSED_KERNELS, PRIMITIVE_KERNELS } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend, cpuKernels, fastKernels } from '../src/index.js';

describe('CpuBackend', () => {
  it('declares its name and capabilities', () => {
    const b = new CpuBackend();
    expect(b.name).toBe('cpu');
    expect([...b.capabilities.dtypes].sort()).toEqual(['bool', 'float32', 'float64', 'int32']);
    expect(b.capabilities.syncRead).toBe(true);
    expect(b.capabilities.requiresContiguous).toBe(false);
    expect(b.capabilities.maxBufferSize).toBe(2 ** 31 - 1);
  });

  it('counts live buffers and their bytes', () => {
    const b = new CpuBackend();
    const f32 = b.alloc('float32', 3);
    const f64 = b.alloc('float64', 2);
    const flags = b.alloc('bool', 5);
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(flags.data).toBeInstanceOf(Uint8Array);
    expect(b.alloc('int32', 1).data).toBeInstanceOf(Int32Array);
    expect(b.numLiveBuffers()).toBe(4);
    expect(b.memory()).toEqual({ numBytes: 12 + 16 + 5 + 4, numBuffers: 4 });
    b.free(f64);
    expect(b.numLiveBuffers()).toBe(3);
    expect(b.memory()).toEqual({ numBytes: 12 + 5 + 4, numBuffers: 3 });
  });

  it('reuses freed arrays of the same dtype and size, zeroed, within poolBytes', () => {
    const b = new CpuBackend({ poolBytes: 16 });
    const first = b.alloc('float32', 3);
    first.data.set([1, 2, 3]);
    const kept = first.data;
    b.free(first);
    expect(b.memory()).toEqual({ numBytes: 0, numBuffers: 0 });
    expect(b.alloc('int32', 3).data).not.toBe(kept); // another dtype
    const again = b.alloc('float32', 3);
    expect(again.data).toBe(kept);
    expect(Array.from(again.data)).toEqual([0, 0, 0]);
    expect(again.id).not.toBe(first.id);
    expect(() => b.free(first)).toThrow(/not live/);
    const big = b.alloc('float64', 4); // 32 bytes: over the pool's limit, so not kept
    const bigData = big.data;
    b.free(big);
    expect(b.alloc('float64', 4).data).not.toBe(bigData);
    const plain = new CpuBackend({ fast: false });
    const s = plain.alloc('float32', 2);
    const data = s.data;
    plain.free(s);
    expect(plain.alloc('float32', 2).data).not.toBe(data); // the reference backend keeps nothing
    expect(() => new CpuBackend({ poolBytes: NaN })).toThrow('CpuBackend: poolBytes must be a non-negative number of bytes, got NaN');
    expect(() => new CpuBackend({ poolBytes: -1 })).toThrow(/poolBytes/);
  });

  it('uploads, and reads back copies (sync and async)', async () => {
    const b = new CpuBackend();
    const s = b.alloc('float32', 3);
    b.upload(s, Float32Array.of(1, 2.5, -3));
    const first = b.readSync(s, 'float32', 3);
    expect(Array.from(first)).toEqual([1, 2.5, -3]);
    first[0] = 99;
    expect(Array.from(await b.read(s, 'float32', 3))).toEqual([1, 2.5, -3]);
    expect(Array.from(b.readSync(s, 'float32', 2))).toEqual([1, 2.5]);
  });

  it('rejects uploads and reads of the wrong dtype or length', async () => {
    const b = new CpuBackend();
    const s = b.alloc('float32', 3);
    expect(() => b.upload(s, Float64Array.of(1, 2, 3))).toThrow(/float64\[3\].*float32\[3\]/);
    expect(() => b.upload(s, Float32Array.of(1, 2))).toThrow(/float32\[2\]/);
    expect(() => b.readSync(s, 'int32', 3)).toThrow(/int32/);
    await expect(b.read(s, 'float32', 4)).rejects.toThrow(/float32\[4\]/);
  });

  it('throws a clear error on a double free and on use after free', () => {
    const b = new CpuBackend();
    const s = b.alloc('int32', 4);
    b.free(s);
    expect(() => b.free(s)).toThrow(/already freed/);
    expect(() => b.readSync(s, 'int32', 4)).toThrow(/not live/);
    expect(() => new CpuBackend().free(b.alloc('int32', 1))).toThrow(/not from this backend/);
    expect(b.numLiveBuffers()).toBe(1);
  });

  it('provides every primitive and fused kernel', () => {
    const b = new CpuBackend();
    for (const name of [...PRIMITIVE_KERNELS, ...FUSED_KERNELS]) expect(typeof b.kernels[name], name).toBe('function');
    expect('unsupported' in b).toBe(false);
  });

  it('uses the plain reference kernels with fast: false, and the fast set otherwise', () => {
    expect(new CpuBackend({ fast: false }).kernels).toBe(cpuKernels);
    expect(new CpuBackend().kernels).toBe(fastKernels);
    const fastOnes = ['fill', 'copy', 'cast', 'unary', 'binary', 'where', 'reduce', 'matmul', 'quantizedMatmul', ...FUSED_KERNELS];
    for (const name of [...PRIMITIVE_KERNELS, ...FUSED_KERNELS]) {
      if (fastOnes.includes(name)) expect(fastKernels[name], name).not.toBe(cpuKernels[name]);
      else expect(fastKernels[name], name).toBe(cpuKernels[name]);
    }
  });
});
