import type { Params } from './params.js';
import { MAP_READ, USAGE } from './storage.js';

/** Buffers a kernel binds after its operands, with the module-scope WGSL that declares them from binding `first` on. */
export interface ExtraBindings {
  readonly buffers: readonly GPUBuffer[];
  readonly wgsl: (first: number) => string;
}

/** Makes the error message for the bad value a kernel reported. */
export type DescribeBadIndex = (value: number) => string;

const SLOTS = 256;

/**
 * Out-of-range indices found on the GPU (a kernel cannot throw). Each checking dispatch gets a slot
 * of two words in a status buffer: a flag and the bad value (the kernel reads a safe index instead
 * and goes on). A checkpoint copies the buffer out and clears it; once the copy is read back, the
 * first flagged slot in dispatch order becomes the error, with the op and the value.
 */
export class IndexChecks {
  private readonly status: GPUBuffer;
  private describers: DescribeBadIndex[] = [];

  constructor(private readonly device: GPUDevice) {
    this.status = device.createBuffer({ size: SLOTS * 8, usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
  }

  get full(): boolean {
    return this.describers.length === SLOTS;
  }

  /**
   * A slot for one dispatch (the caller checkpoints first when `full`): pushes its number into `p`
   * and gives the binding and `fn reportBadIndex(value: i32)` for the kernel.
   */
  claim(p: Params, describe: DescribeBadIndex): ExtraBindings {
    const slotAt = p.u(this.describers.length);
    this.describers.push(describe);
    return {
      buffers: [this.status],
      wgsl: (first) => /* wgsl */ `
@group(0) @binding(${first}) var<storage, read_write> indexStatus: array<atomic<u32>>;
fn reportBadIndex(value: i32) {
  let slot = pu(${slotAt}u);
  atomicStore(&indexStatus[slot * 2u + 1u], bitcast<u32>(value));
  atomicStore(&indexStatus[slot * 2u], 1u);
}`,
    };
  }

  /**
   * Records, into the encoder (outside any pass), the copy-out and clearing of the slots used since
   * the last checkpoint. The promise, after that work is submitted, gives the first error or null.
   */
  checkpoint(encoder: () => GPUCommandEncoder): (() => Promise<Error | null>) | null {
    const describers = this.describers;
    if (describers.length === 0) return null;
    this.describers = [];
    const bytes = describers.length * 8;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const commands = encoder();
    commands.copyBufferToBuffer(this.status, 0, staging, 0, bytes);
    commands.clearBuffer(this.status, 0, bytes);
    return async () => {
      try {
        await staging.mapAsync(MAP_READ);
        const words = new Uint32Array(staging.getMappedRange());
        for (let s = 0; s < describers.length; s++) {
          if (words[2 * s] !== 0) return new RangeError(describers[s](words[2 * s + 1] | 0));
        }
        return null;
      } catch {
        return null; // the device is gone: its own error is reported
      } finally {
        staging.destroy();
      }
    };
  }

  destroy(): void {
    this.status.destroy();
  }
}
