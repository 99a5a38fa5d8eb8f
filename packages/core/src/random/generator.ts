import { philoxBlocks } from './philox.js';
import type { PhiloxAttrs } from '../kernels.js';

/** A seeded Philox stream: each call takes the next counter range, so results never overlap. */
export class Generator {
  private key: [number, number] = [0, 0];
  private counter = 0;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number | bigint): this {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.key = [Number(s & 0xffffffffn), Number(s >> 32n)];
    this.counter = 0;
    return this;
  }

  /** The state to save in a checkpoint; `setState` resumes the stream exactly. */
  getState(): { key: [number, number]; counter: number } {
    return { key: [...this.key], counter: this.counter };
  }

  setState(state: { key: readonly [number, number]; counter: number }): void {
    this.key = [state.key[0] >>> 0, state.key[1] >>> 0];
    this.counter = state.counter;
  }

  /** Reserves the counter range for a call of `size` elements and returns the kernel attributes. */
  next(size: number, kind: 'uniform' | 'normal' | 'bernoulli'): PhiloxAttrs {
    const start = this.counter;
    this.counter += philoxBlocks(size, kind);
    return { key: [...this.key], counter: [start % 0x100000000, Math.floor(start / 0x100000000)] };
  }
}
