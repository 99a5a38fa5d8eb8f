/// <reference types="@webgpu/types" />
import {
  arrayDType,
  bfloat16BitsToFloat32,
  bytesPerElement,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  isHalf,
  type Backend,
  type BackendCapabilities,
  type BackendMemory,
  type DType,
  type TypedArray,
} from '@peftjs/core';
import { BufferPool } from './buffer-pool.js';
import { wordsFor } from './half.js';
import { IndexChecks, type DescribeBadIndex, type ExtraBindings } from './index-checks.js';
import { makeKernels, type WebGPUKernels } from './kernels/index.js';
import type { Params } from './params.js';
import { fullShader, type Program, type ProgramRunner } from './program.js';
import { MAP_READ, USAGE, wgslType, type WebGPUStorage } from './storage.js';

export interface WebGPUBackendOptions {
  /** Dispatches recorded before the batch is submitted (default 64). */
  dispatchesPerSubmit?: number;
  /**
   * Destroy the device on `dispose()` (default false: a device the caller passed in stays theirs).
   * createWebGPUBackend sets it, since it made the device.
   */
  ownsDevice?: boolean;
  /** An object to keep alive as long as the backend (Node's `webgpu` instance dies with its last reference). */
  keepAlive?: unknown;
}

const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;
const UNIFORM_USAGE = USAGE.UNIFORM | USAGE.COPY_DST;

/**
 * Kernels in WGSL on a GPUDevice the caller provides. Work is recorded into one compute pass and
 * submitted every `dispatchesPerSubmit` dispatches, on `flush()` and before every read; readback
 * is asynchronous only. float32, int32 and bool (stored as u32) are supported, and float16 and
 * bfloat16 as compute dtypes (packed two a word, computed in f32; see half.ts); float64 is not.
 */
export class WebGPUBackend implements Backend<WebGPUStorage>, ProgramRunner {
  readonly name = 'webgpu';
  /** Out-of-range indices and targets are reported by the next read (see index-checks.ts). */
  readonly capabilities: BackendCapabilities;
  readonly kernels: WebGPUKernels;

  private readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly live = new Set<WebGPUStorage>();
  private readonly dispatchesPerSubmit: number;
  private readonly indexChecks: IndexChecks;
  /** Index checks submitted but not yet read back; a read waits for them. */
  private readonly pendingChecks = new Set<Promise<void>>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recorded = 0;
  private nextId = 1;
  private liveBytes = 0;
  /** Device loss: every later call fails with it. */
  private failure: Error | null = null;
  /** A GPU error raised while running earlier commands: the next call reports it, once. */
  private error: Error | null = null;
  private disposed = false;
  private readonly ownsDevice: boolean;
  private keepAlive: unknown;

  constructor(
    readonly device: GPUDevice,
    options: WebGPUBackendOptions = {},
  ) {
    this.dispatchesPerSubmit = options.dispatchesPerSubmit ?? 64;
    this.ownsDevice = options.ownsDevice ?? false;
    this.keepAlive = options.keepAlive;
    const { limits } = device;
    this.capabilities = {
      dtypes: ['float32', 'float16', 'bfloat16', 'int32', 'bool'],
      syncRead: false,
      requiresContiguous: false,
      maxBufferSize: Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize),
      indexErrorsAtRead: true,
    };
    this.pool = new BufferPool(device);
    this.indexChecks = new IndexChecks(device);
    this.kernels = makeKernels(this);
    void device.lost.then((info) => {
      if (this.disposed && info.reason === 'destroyed') return;
      this.failure ??= new Error(`webgpu: the GPU device was lost (${info.reason}): ${info.message}`);
    });
    device.addEventListener?.('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.error ??= new Error(`webgpu: GPU error: ${error.message}`);
    });
  }

  // ----- storage -----

  alloc(dtype: DType, size: number): WebGPUStorage {
    this.checkHealthy('alloc');
    wgslType(dtype);
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`webgpu: buffer size must be a non-negative integer, got ${size}`);
    const bytes = wordsFor(dtype, size) * 4;
    if (bytes > this.capabilities.maxBufferSize) {
      throw new RangeError(
        `webgpu: cannot allocate ${dtype}[${size}] (${bytes} bytes): the device's largest storage buffer is ${this.capabilities.maxBufferSize} bytes`,
      );
    }
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.pool.acquire(bytes, STORAGE_USAGE);
    void this.device.popErrorScope().then((error) => {
      if (error) this.error ??= new Error(`webgpu: out of GPU memory allocating ${dtype}[${size}] (${bytes} bytes): ${error.message}`);
    });
    const storage: WebGPUStorage = { id: this.nextId++, dtype, size, buffer };
    this.live.add(storage);
    this.liveBytes += size * bytesPerElement(dtype);
    return storage;
  }

  free(storage: WebGPUStorage): void {
    if (!this.live.delete(storage)) {
      throw new Error(
        `webgpu: free of buffer ${storage.id} (${storage.dtype}[${storage.size}]), which is not live: already freed or not from this backend`,
      );
    }
    this.liveBytes -= storage.size * bytesPerElement(storage.dtype);
    this.pool.release(storage.buffer);
  }

  upload(storage: WebGPUStorage, data: TypedArray): void {
    this.checkLive(storage, 'upload');
    const dtype = arrayDType(data);
    // half storage takes its values as float32 and rounds them (to nearest, ties to even)
    const accepted = isHalf(storage.dtype) ? dtype === 'float32' : dtype === storage.dtype;
    if (!accepted || data.length !== storage.size) {
      throw new TypeError(`webgpu: upload of ${dtype}[${data.length}] into buffer ${storage.id} of ${storage.dtype}[${storage.size}]`);
    }
    if (data.length === 0) return;
    // Recorded commands may still read this buffer: they must run before the write lands.
    this.submit();
    const words = dtype === 'bool' ? Uint32Array.from(data) : isHalf(storage.dtype) ? packHalf(data, storage.dtype) : data;
    this.device.queue.writeBuffer(storage.buffer, 0, words.buffer, words.byteOffset, words.byteLength);
  }

  async read(storage: WebGPUStorage, dtype: DType, size: number): Promise<TypedArray> {
    this.checkLive(storage, 'read');
    if (dtype !== storage.dtype || size > storage.size) {
      throw new TypeError(`webgpu: read of ${dtype}[${size}] from buffer ${storage.id} of ${storage.dtype}[${storage.size}]`);
    }
    const bytes = Math.max(4, wordsFor(dtype, size) * 4);
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    try {
      this.endPass();
      this.encoder ??= this.device.createCommandEncoder();
      this.encoder.copyBufferToBuffer(storage.buffer, 0, staging, 0, bytes);
      this.checkpointIndices();
      const checks = [...this.pendingChecks];
      await staging.mapAsync(MAP_READ);
      await Promise.all(checks);
      this.checkHealthy('read');
      const words = staging.getMappedRange(0, wordsFor(dtype, size) * 4);
      const out =
        dtype === 'float32'
          ? new Float32Array(words.slice(0))
          : dtype === 'int32'
            ? new Int32Array(words.slice(0))
            : isHalf(dtype)
              ? unpackHalf(new Uint16Array(words, 0, size), dtype)
              : Uint8Array.from(new Uint32Array(words));
      staging.unmap();
      return out;
    } catch (err) {
      this.checkHealthy('read');
      throw err;
    } finally {
      staging.destroy();
    }
  }

  /** Submits recorded work; index errors it finds are reported by the next call (a read waits for them). */
  flush(): void {
    this.checkpointIndices();
  }

  memory(): BackendMemory {
    return { numBytes: this.liveBytes, numBuffers: this.live.size };
  }

  numLiveBuffers(): number {
    return this.live.size;
  }

  dispose(): void {
    if (this.disposed) return;
    this.submit();
    this.disposed = true;
    this.pool.destroy();
    this.indexChecks.destroy();
    if (this.ownsDevice) this.device.destroy();
    this.keepAlive = undefined;
  }

  // ----- programs -----

  run(program: Program): void {
    this.checkHealthy(program.name);
    const pipeline = this.pipeline(program);
    const data = program.params.data();
    const uniforms = this.pool.acquire(data.byteLength, UNIFORM_USAGE);
    this.device.queue.writeBuffer(uniforms, 0, data);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniforms, size: data.byteLength } }];
    program.buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: 'buffer' in b ? b.buffer : b } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const [x, y, z] = this.workgroups(program);
    if (!this.pass) {
      this.encoder ??= this.device.createCommandEncoder();
      this.pass = this.encoder.beginComputePass();
    }
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.pool.release(uniforms);
    if (++this.recorded >= this.dispatchesPerSubmit) this.submit();
  }

  scratch(size: number): GPUBuffer {
    return this.pool.acquire(Math.max(4, size * 4), STORAGE_USAGE);
  }

  releaseScratch(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  checkIndices(p: Params, describe: DescribeBadIndex): ExtraBindings {
    if (this.indexChecks.full) this.checkpointIndices();
    return this.indexChecks.claim(p, describe);
  }

  /** Submits recorded work with the read-back of the index checks made since the last checkpoint. */
  private checkpointIndices(): void {
    this.endPass();
    const check = this.indexChecks.checkpoint(() => (this.encoder ??= this.device.createCommandEncoder()));
    this.submit();
    if (!check) return;
    const pending: Promise<void> = check().then((error) => {
      this.pendingChecks.delete(pending);
      if (error) this.error ??= error;
    });
    this.pendingChecks.add(pending);
  }

  private pipeline(program: Program): GPUComputePipeline {
    const key = `${program.key}|p${program.params.vec4s}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: program.name, code: fullShader(program) });
      pipeline = this.device.createComputePipeline({ label: program.name, layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  private workgroups(program: Program): [number, number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    const w = program.workgroups;
    if (typeof w !== 'number') {
      if (w.some((n) => n > max))
        throw new RangeError(
          `webgpu: ${program.name}: dispatch [${w.join(', ')}] passes the device limit of ${max} workgroups a dimension`,
        );
      return [w[0], w[1], w[2]];
    }
    if (w <= max) return [w, 1, 1];
    const y = Math.ceil(w / max);
    if (y > max) throw new RangeError(`webgpu: ${program.name}: ${w} workgroups pass the device limit of ${max}×${max}`);
    return [Math.ceil(w / y), y, 1];
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  private submit(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.recorded = 0;
    }
    this.pool.retire(this.device.queue);
  }

  private checkHealthy(what: string): void {
    if (this.disposed) throw new Error(`webgpu: ${what} after the backend was disposed`);
    if (this.failure) throw this.failure;
    const error = this.error;
    if (error) {
      this.error = null;
      throw error;
    }
  }

  private checkLive(storage: WebGPUStorage, what: string): void {
    this.checkHealthy(what);
    if (!this.live.has(storage))
      throw new Error(`webgpu: ${what} of buffer ${storage.id}, which is not live: already freed or not from this backend`);
  }
}

/** float32 values as half bits, padded to whole words. */
function packHalf(values: TypedArray, dtype: 'float16' | 'bfloat16'): Uint16Array {
  const bits = dtype === 'float16' ? float32ToFloat16Bits(values) : float32ToBfloat16Bits(values);
  if (bits.length % 2 === 0) return bits;
  const padded = new Uint16Array(bits.length + 1);
  padded.set(bits);
  return padded;
}

function unpackHalf(bits: Uint16Array, dtype: 'float16' | 'bfloat16'): Float32Array {
  return dtype === 'float16' ? float16BitsToFloat32(bits) : bfloat16BitsToFloat32(bits);
}
