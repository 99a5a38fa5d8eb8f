/**
 * Buffers by usage and size bucket. A released buffer may still be read or written by commands
 * that are recorded or in flight, so it becomes reusable only after the submit that follows its
 * release has completed on the GPU.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private pending: GPUBuffer[] = [];
  private retiring = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Sizes round up to a power of two up to 4 MiB, then to a multiple of 4 MiB. */
  static bucket(bytes: number): number {
    const b = Math.max(16, bytes);
    if (b <= 4 << 20) return 2 ** Math.ceil(Math.log2(b));
    return Math.ceil(b / (4 << 20)) * (4 << 20);
  }

  acquire(bytes: number, usage: number): GPUBuffer {
    const size = BufferPool.bucket(bytes);
    const list = this.free.get(`${usage}:${size}`);
    const reused = list?.pop();
    return reused ?? this.device.createBuffer({ size, usage });
  }

  release(buffer: GPUBuffer): void {
    this.pending.push(buffer);
  }

  /** Called right after a submit: what was released before it returns to the pool once it completes. */
  retire(queue: GPUQueue): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.retiring++;
    void queue.onSubmittedWorkDone().then(
      () => {
        this.retiring--;
        for (const b of batch) {
          const key = `${b.usage}:${b.size}`;
          const list = this.free.get(key);
          if (list) list.push(b);
          else this.free.set(key, [b]);
        }
      },
      () => {
        this.retiring--;
      },
    );
  }

  destroy(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.pending) b.destroy();
    this.free.clear();
    this.pending = [];
  }
}
