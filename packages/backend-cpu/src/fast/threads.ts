import { nodeProcess } from './simd-features.js';

/**
 * Worker threads for the matmul block kernel. Each worker instantiates the same WebAssembly module
 * over the same shared memory and waits on its control words; the calling thread splits one block
 * call into ranges of row tiles, hands all but the first range to the workers, runs the first
 * itself, then takes over every range whose worker has not started on it yet (each range is claimed
 * once, by its worker or by the caller, with a compare-and-swap), and waits only for the ranges
 * workers did claim: a worker the system has not scheduled in time (a busy machine) costs a share
 * of the parallelism, not a wait. A range writes its own rows of C only and every element of C is
 * summed in the same order whoever computes it, so the result has the same bits for any thread
 * count and any timing.
 *
 * Node: worker_threads (unref'd, so they never keep a process alive). Browsers: Web Workers, where
 * the page is cross-origin isolated (SharedArrayBuffer exists). Elsewhere, or until the workers
 * have started (asynchronously), everything runs on the calling thread.
 */

/** Control words of one worker (Int32 indices into its slice of the control buffer). */
const SEQ = 0; // job number, bumped by the caller (−1: stop)
const DONE = 1; // last job number finished, set by the worker
const READY = 2; // 1 once the worker has instantiated the module
const FAILED = 3; // 1 when the last job threw
const CLAIM = 4; // who computes the job's range: 0 open, 1 the worker, 2 the caller
const ARGS = 5; // the block kernel's nine arguments, then the row tiles per sub-block
const WORDS = 16;
const OPEN = 0;
const BY_WORKER = 1;
const BY_CALLER = 2;

/** The worker's whole program: self-contained, so it needs no file and no bundler. */
const WORKER_SOURCE = `
function start(data) {
  const ctl = new Int32Array(data.control, data.index * ${WORDS} * 4, ${WORDS});
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const block = instance.exports.block;
  Atomics.store(ctl, ${READY}, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, ${SEQ}, seen);
    const seq = Atomics.load(ctl, ${SEQ});
    if (seq < 0) return;
    if (seq === seen) continue;
    seen = seq;
    if (Atomics.compareExchange(ctl, ${CLAIM}, ${OPEN}, ${BY_WORKER}) !== ${OPEN}) {
      // the caller took this range over before this worker woke up
      Atomics.store(ctl, ${DONE}, seq);
      continue;
    }
    try {
      const mTiles = ctl[${ARGS}], paStride = ctl[${ARGS + 4}], ldc = ctl[${ARGS + 8}], step = ctl[${ARGS + 9}], rowPitch = data.mr * ldc;
      for (let t = 0; t < mTiles; t += step) {
        block(Math.min(step, mTiles - t), ctl[${ARGS + 1}], ctl[${ARGS + 2}], ctl[${ARGS + 3}] + t * paStride, paStride, ctl[${ARGS + 5}], ctl[${ARGS + 6}], ctl[${ARGS + 7}] + t * rowPitch, ldc);
      }
      ctl[${FAILED}] = 0;
    } catch (e) {
      ctl[${FAILED}] = 1;
    }
    Atomics.store(ctl, ${DONE}, seq);
    Atomics.notify(ctl, ${DONE});
  }
}
if (typeof require === 'function') start(require('node:worker_threads').workerData);
else self.onmessage = (event) => start(event.data);
`;

export type BlockFn = (
  mTiles: number,
  nTiles: number,
  kc: number,
  pa: number,
  paStride: number,
  pb: number,
  pbStride: number,
  pc: number,
  ldc: number,
) => void;

interface WorkerHandle {
  readonly ctl: Int32Array;
  seq: number;
}

type Spawn = (data: {
  control: SharedArrayBuffer;
  index: number;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  mr: number;
}) => boolean;

/** How to start a worker here, or null where threads are unavailable. */
function spawner(): Spawn | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return null;
  const proc = nodeProcess();
  if (proc) {
    type NodeWorker = { unref(): void; on(event: string, fn: (e: unknown) => void): void };
    const wt = proc.getBuiltinModule?.('node:worker_threads') as { Worker: new (src: string, o: object) => NodeWorker } | undefined;
    if (!wt) return null;
    return (data) => {
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: data });
      worker.on('error', () => {}); // a worker that fails to start never sets READY: its share stays on the caller
      worker.unref();
      return true;
    };
  }
  const g = globalThis as {
    Worker?: new (url: string) => { postMessage(d: unknown): void };
    crossOriginIsolated?: boolean;
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  if (typeof g.Worker !== 'function' || g.crossOriginIsolated !== true || !g.Blob || !g.URL) return null;
  const url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  return (data) => {
    new g.Worker!(url).postMessage(data);
    return true;
  };
}

/** Whether this thread may block in Atomics.wait (Node's main thread and workers may; a browser's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Below this many multiply-adds a block call runs on the calling thread: waking workers costs more. */
const MIN_PARALLEL_WORK = 1 << 18;

export class BlockThreads {
  private readonly workers: WorkerHandle[] = [];
  private readonly blocking: boolean;
  /** The most threads (the caller included) that have computed ranges of one call so far. */
  maxThreadsUsed = 1;

  /** Starts `threads − 1` workers (none when threads ≤ 1 or threads are unavailable here). */
  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    threads: number,
    private readonly mr: number,
    private readonly nr: number,
  ) {
    this.blocking = canBlock();
    const spawn = threads > 1 ? spawner() : null;
    if (!spawn) return;
    const control = new SharedArrayBuffer((threads - 1) * WORDS * 4);
    for (let index = 0; index < threads - 1; index++) {
      try {
        if (spawn({ control, index, module, memory, mr }))
          this.workers.push({ ctl: new Int32Array(control, index * WORDS * 4, WORDS), seq: 0 });
      } catch {
        break;
      }
    }
  }

  /** Workers asked for (started or not). */
  get spawnedWorkers(): number {
    return this.workers.length;
  }

  /** Workers that have started (the others are skipped until they have). */
  get readyWorkers(): number {
    let n = 0;
    for (const w of this.workers) if (Atomics.load(w.ctl, READY) === 1) n++;
    return n;
  }

  /** Resolves once every worker has started (for tests; the kernel never waits for it). */
  async whenReady(timeoutMs = 10000): Promise<number> {
    const start = Date.now();
    while (this.readyWorkers < this.workers.length && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 5));
    return this.readyWorkers;
  }

  /**
   * block(...) split over the ready workers and this thread by ranges of row tiles; each range runs
   * as sub-blocks of `step` row tiles, so the rows of A one sub-block sweeps stay in cache.
   */
  run(
    block: BlockFn,
    step: number,
    mTiles: number,
    nTiles: number,
    kc: number,
    pa: number,
    paStride: number,
    pb: number,
    pbStride: number,
    pc: number,
    ldc: number,
  ): void {
    // a worker still on an earlier range (or that has not woken for it) gets none this time
    const ready =
      this.workers.length === 0 ? [] : this.workers.filter((w) => Atomics.load(w.ctl, READY) === 1 && Atomics.load(w.ctl, DONE) === w.seq);
    const work = mTiles * this.mr * nTiles * this.nr * kc;
    const parts = Math.min(ready.length + 1, mTiles, Math.max(1, Math.floor(work / MIN_PARALLEL_WORK)));
    const rowPitch = this.mr * ldc;
    const range = (t0: number, t1: number) => {
      for (let t = t0; t < t1; t += step)
        block(Math.min(step, t1 - t), nTiles, kc, pa + t * paStride, paStride, pb, pbStride, pc + t * rowPitch, ldc);
    };
    if (parts <= 1) {
      range(0, mTiles);
      return;
    }
    const first = (part: number) => Math.floor((part * mTiles) / parts);
    for (let part = 1; part < parts; part++) {
      const w = ready[part - 1];
      const t0 = first(part);
      const args = [first(part + 1) - t0, nTiles, kc, pa + t0 * paStride, paStride, pb, pbStride, pc + t0 * rowPitch, ldc, step];
      w.ctl.set(args, ARGS);
      Atomics.store(w.ctl, CLAIM, OPEN);
      w.seq++;
      Atomics.store(w.ctl, SEQ, w.seq);
      Atomics.notify(w.ctl, SEQ);
    }
    range(0, first(1));
    let used = 1;
    for (let part = 1; part < parts; part++) {
      const w = ready[part - 1];
      if (Atomics.compareExchange(w.ctl, CLAIM, OPEN, BY_CALLER) === OPEN) {
        // its worker has not started: compute the range here; the worker skips it when it wakes
        range(first(part), first(part + 1));
        continue;
      }
      used++;
      for (;;) {
        const done = Atomics.load(w.ctl, DONE);
        if (done === w.seq) break;
        if (this.blocking) Atomics.wait(w.ctl, DONE, done, 50);
      }
      // only an out-of-bounds pointer can make the kernel throw: a bug, never a condition to retry
      if (w.ctl[FAILED] === 1) throw new Error(`matmul: worker ${part} failed on its range of row tiles`);
    }
    if (used > this.maxThreadsUsed) this.maxThreadsUsed = used;
  }
}

/** The default thread count: the machine's cores (at most 8), 1 where that is unknown. */
export function defaultThreads(): number {
  const proc = nodeProcess();
  const os = proc?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const cores =
    os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(8, cores));
}
