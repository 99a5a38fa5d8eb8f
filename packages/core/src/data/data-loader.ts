import { defaultCollate } from './collate.js';
import { seededPermutation } from './shuffle.js';

/** An array, or anything with a length and an item getter. */
export type Dataset<T> = ArrayLike<T> | { readonly length: number; get(index: number): T };

export interface DataLoaderOptions<T, B> {
  batchSize?: number;
  /** Reshuffle every epoch with a seeded permutation (the same order on every machine). */
  shuffle?: boolean;
  seed?: number;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Makes a batch from items (default: `defaultCollate`). */
  collateFn?: (items: T[]) => B;
}

/** Where a loader stands: the epoch and how many of its batches were handed out. */
export interface DataLoaderState {
  epoch: number;
  index: number;
  seed: number;
}

/**
 * PyTorch's DataLoader over an in-memory dataset: batches in order or in a seeded shuffle, a
 * collate function, and a resumable position. Iterating yields the rest of the current epoch;
 * the next iteration starts the next epoch.
 */
export class DataLoader<T = unknown, B = unknown> implements Iterable<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly collateFn: (items: T[]) => B;
  private seed: number;
  epoch = 0;
  /** Batches of the current epoch already handed out. */
  index = 0;
  private order: { epoch: number; indices: Uint32Array } | null = null;

  constructor(
    readonly dataset: Dataset<T>,
    options: DataLoaderOptions<T, B> = {},
  ) {
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new RangeError(`DataLoader: batchSize must be an integer >= 1, got ${options.batchSize}`);
    if (!dataset || !Number.isInteger(dataset.length)) throw new TypeError('DataLoader: dataset must have an integer length');
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.seed = options.seed ?? 0;
    if (!Number.isSafeInteger(this.seed)) throw new RangeError(`DataLoader: seed must be an integer, got ${options.seed}`);
    this.collateFn = options.collateFn ?? (defaultCollate as (items: T[]) => B);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The dataset indices of batch `index` of `epoch`. */
  batchIndices(epoch: number, index: number): number[] {
    const n = this.dataset.length;
    const start = index * this.batchSize;
    const end = Math.min(start + this.batchSize, n);
    const order = this.shuffle ? this.permutation(epoch) : null;
    const out: number[] = [];
    for (let i = start; i < end; i++) out.push(order ? order[i] : i);
    return out;
  }

  private permutation(epoch: number): Uint32Array {
    if (this.order?.epoch !== epoch) this.order = { epoch, indices: seededPermutation(this.dataset.length, this.seed, epoch) };
    return this.order.indices;
  }

  private item(i: number): T {
    const d = this.dataset;
    return 'get' in d && typeof d.get === 'function' ? d.get(i) : (d as ArrayLike<T>)[i];
  }

  /** The next batch, moving into the next epoch after the last one. */
  nextBatch(): B {
    if (this.length === 0)
      throw new RangeError(
        `DataLoader: no batches (dataset of ${this.dataset.length}, batchSize ${this.batchSize}, dropLast ${this.dropLast})`,
      );
    const indices = this.batchIndices(this.epoch, this.index);
    const batch = this.collateFn(indices.map((i) => this.item(i)));
    this.index++;
    if (this.index >= this.length) {
      this.epoch++;
      this.index = 0;
    }
    return batch;
  }

  [Symbol.iterator](): Iterator<B> {
    const epoch = this.epoch;
    return {
      next: (): IteratorResult<B> =>
        this.epoch !== epoch || this.length === 0 ? { done: true, value: undefined } : { done: false, value: this.nextBatch() },
    };
  }

  stateDict(): DataLoaderState {
    return { epoch: this.epoch, index: this.index, seed: this.seed };
  }

  loadStateDict(state: DataLoaderState): void {
    const ok = state && Number.isInteger(state.epoch) && state.epoch >= 0 && Number.isInteger(state.index) && state.index >= 0;
    if (!ok)
      throw new TypeError(`DataLoader.loadStateDict: expected { epoch, index, seed } of integers >= 0, got ${JSON.stringify(state)}`);
    if (state.index >= Math.max(1, this.length)) {
      throw new RangeError(`DataLoader.loadStateDict: index ${state.index} is past the ${this.length} batches of an epoch`);
    }
    if (state.seed !== undefined && !Number.isSafeInteger(state.seed))
      throw new RangeError(`DataLoader.loadStateDict: seed ${state.seed} is not an integer`);
    this.epoch = state.epoch;
    this.index = state.index;
    this.seed = state.seed ?? this.seed;
    this.order = null;
  }
}
