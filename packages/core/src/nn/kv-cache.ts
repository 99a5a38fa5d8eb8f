import { engine, info } from '../engine.js';
import { sliceLayout } from '../layout.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { indexSelect } from '../ops/indexing.js';

/**
 * One layer's cached keys and values: buffers [B, H, capacity, D] whose first `length` positions
 * hold what attention has seen. New positions are written in place; the buffers grow by whole
 * blocks only when they are full, so a decoding step copies just its own keys and values.
 */
export class KeyValueCacheLayer {
  private keys: Tensor | null = null;
  private values: Tensor | null = null;
  private filled = 0;

  constructor(
    private readonly blockSize: number,
    private readonly reserve: number,
  ) {}

  /** Positions cached so far. */
  get length(): number {
    return this.filled;
  }

  /**
   * Appends key and value [B, H, T, D] after the cached positions and returns views of all
   * length + T positions (valid until the next append or reorder; the caller never disposes the
   * buffers, only the views).
   */
  append(key: Tensor, value: Tensor): readonly [Tensor, Tensor] {
    if (key.rank !== 4 || value.rank !== 4 || key.shape.some((d, i) => d !== value.shape[i])) {
      throw new RangeError(
        `KeyValueCache: key and value must both be [batch, heads, seq, headDim], got ${formatShape(key.shape)} and ${formatShape(value.shape)}`,
      );
    }
    if (this.keys) {
      const [b, h, , d] = this.keys.shape;
      if (key.shape[0] !== b || key.shape[1] !== h || key.shape[3] !== d || key.dtype !== this.keys.dtype) {
        throw new RangeError(
          `KeyValueCache: new keys ${key.dtype} ${formatShape(key.shape)} do not extend the cached ${this.keys.dtype} [${b}, ${h}, ${this.filled}, ${d}]`,
        );
      }
    }
    const t = key.shape[2];
    this.ensureCapacity(key, this.filled + t);
    write(this.keys!, key, this.filled);
    write(this.values!, value, this.filled);
    this.filled += t;
    return [this.view(this.keys!), this.view(this.values!)];
  }

  /** Keeps batch rows `index` (int32 [B']), in that order: beam search's cache reordering. */
  reorder(index: Tensor): void {
    if (!this.keys || !this.values) return;
    const pick = (buffer: Tensor) =>
      this.rebuild(
        buffer,
        engine().scoped(() => indexSelect(this.view(buffer), 0, index)),
        buffer.shape[2],
      );
    this.keys = pick(this.keys);
    this.values = pick(this.values);
  }

  dispose(): void {
    this.keys?.dispose();
    this.values?.dispose();
    this.keys = this.values = null;
    this.filled = 0;
  }

  private view(buffer: Tensor): Tensor {
    return engine().alias(buffer, sliceLayout(buffer.layout, 2, 0, this.filled, 1));
  }

  /** Buffers for at least `needed` positions: the reserve first, then whole blocks, old contents copied. */
  private ensureCapacity(like: Tensor, needed: number): void {
    const capacity = this.keys?.shape[2] ?? 0;
    if (needed <= capacity) return;
    const grown = Math.max(this.reserve, Math.ceil(needed / this.blockSize) * this.blockSize);
    const grow = (old: Tensor | null) =>
      old ? this.rebuild(old, this.view(old), grown) : allocate(like, [like.shape[0], like.shape[1], grown, like.shape[3]]);
    this.keys = grow(this.keys);
    this.values = grow(this.values);
  }

  /** A new buffer of `capacity` positions starting with `contents` [B, H, length, D]; the old buffer and `contents` are freed. */
  private rebuild(old: Tensor, contents: Tensor, capacity: number): Tensor {
    const next = allocate(old, [contents.shape[0], old.shape[1], capacity, old.shape[3]]);
    write(next, contents, 0);
    contents.dispose();
    old.dispose();
    return next;
  }
}

/** A long-lived buffer shaped `shape` on `like`'s backend, outside every scope. */
function allocate(like: Tensor, shape: readonly number[]): Tensor {
  return engine().keep(engine().makeTensor(shape, like.dtype, like.ref.backend));
}

/** Writes `src` [B, H, T, D] into `buffer` at positions start..start+T−1, in place, outside the graph. */
function write(buffer: Tensor, src: Tensor, start: number): void {
  const backend = buffer.ref.backend;
  const dst = { storage: buffer.ref.storage, layout: sliceLayout(buffer.layout, 2, start, start + src.shape[2], 1), dtype: buffer.dtype };
  engine().runKernels(backend, 'kvCacheWrite', () => backend.kernels.copy({ src: info(src), dst }));
}

export interface KeyValueCacheOptions {
  /** Positions to allocate on the first append (a generation's prompt plus its new tokens). */
  capacity?: number;
  /** The growth step once the capacity is used up (default 64). */
  blockSize?: number;
}

/**
 * A decoder's key/value cache (Hugging Face's DynamicCache, preallocated in blocks): one
 * KeyValueCacheLayer a layer, passed as `pastKeyValues`. Each forward appends its positions, so a
 * decoding step runs over one new position. Dispose it when the generation ends.
 */
export class KeyValueCache {
  private readonly layers: KeyValueCacheLayer[] = [];
  private readonly blockSize: number;
  private readonly capacity: number;

  constructor(options: KeyValueCacheOptions = {}) {
    this.blockSize = options.blockSize ?? 64;
    this.capacity = options.capacity ?? 0;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 1)
      throw new RangeError(`KeyValueCache: blockSize must be a positive integer, got ${options.blockSize}`);
    if (!Number.isInteger(this.capacity) || this.capacity < 0)
      throw new RangeError(`KeyValueCache: capacity must be a non-negative integer, got ${options.capacity}`);
  }

  /** Layer `index`'s cache (created on first use). */
  layer(index: number): KeyValueCacheLayer {
    while (this.layers.length <= index) this.layers.push(new KeyValueCacheLayer(this.blockSize, this.capacity));
    return this.layers[index];
  }

  /** Positions cached (layer 0's; every layer holds the same number after a full forward). */
  get length(): number {
    return this.layers[0]?.length ?? 0;
  }

  /** Keeps batch rows `index` in every layer (beam search). */
  reorder(index: Tensor): void {
    for (const l of this.layers) l.reorder(index);
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
    this.layers.length = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
