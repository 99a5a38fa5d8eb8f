import type { Backend, BackendFactory } from './backend.js';
import { DataRef } from './data-ref.js';
import { bytesPerElement, isFloatingPoint, type DType, type TypedArray } from './dtype.js';
import type { TensorInfo } from './kernels.js';
import { contiguousLayout, type Layout } from './layout.js';
import { Generator } from './random/generator.js';
import { formatShape, sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';
import { GraphNode, type Edge, type GradientRule } from './autograd/node.js';
import { getGradientRule } from './autograd/registry.js';
import { ScopeStacks, type ScopeFrame } from './memory/scope-stack.js';

export const ENGINE_VERSION = '0.1.0';
const ENGINE_KEY = Symbol.for('peftjs.engine');

interface Registration {
  factory: BackendFactory;
  priority: number;
}

export interface MemoryInfo {
  /** Live tensor handles (views and saved values included). */
  numTensors: number;
  /** Live backend buffers made by core. */
  numDataBuffers: number;
  numBytes: number;
  /** High-water mark of numBytes since the start or the last `resetPeakMemory()`. */
  peakBytes: number;
  backend: { name: string; numBytes: number; numBuffers: number } | null;
}

export interface OpOutput {
  readonly shape: Shape;
  readonly dtype: DType;
}

export interface OpSpec<A> {
  /** Op name: used in errors and to find the gradient rule. */
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Where an op without inputs runs (creation ops); defaults to the active backend. */
  readonly backend?: Backend;
  readonly attrs?: A;
  readonly outputs: readonly OpOutput[];
  /** Runs the kernel(s) writing into the preallocated outputs. */
  readonly run: (backend: Backend, inputs: TensorInfo[], outputs: TensorInfo[]) => void;
  /** A rule for this call only (customOp); otherwise the registered rule of `op`. */
  readonly rule?: GradientRule<A>;
  /** Extra tensors kept for backward (statistics a fused kernel computed); disposed with the node. */
  readonly saved?: readonly Tensor[];
}

/** The process-wide state: backends, scopes, graph mode and live-object counts. */
export class Engine {
  readonly version = ENGINE_VERSION;
  private readonly registry = new Map<string, Registration>();
  private readonly instances = new Map<string, Backend>();
  private active: Backend | null = null;
  /** @internal the scope stacks (per async task in Node). */
  readonly scopes = new ScopeStacks();
  gradEnabled = true;
  /** Per-kernel leak check: after each kernel the backend must hold exactly the buffers it held before. */
  checkLeaks = readEnvFlag('PEFTJS_CHECK_LEAKS');
  readonly generator = new Generator(0);
  /** Generators that replace the global one inside withGenerator (synchronous code only). */
  private readonly generatorOverrides: Generator[] = [];
  numTensors = 0;
  numDataBuffers = 0;
  numBytes = 0;
  /** The most bytes live at once since the start or the last `resetPeakMemory()`. */
  peakBytes = 0;
  /**
   * @internal set by `checkpoint` while its forward runs without a graph: notes whether any op saw
   * an input that requires grad (a trainable parameter the function closes over).
   */
  gradWatch: { sawGradInput: boolean } | null = null;

  /** The generator random ops use when given none: withGenerator's, else the global one. */
  currentGenerator(): Generator {
    return this.generatorOverrides[this.generatorOverrides.length - 1] ?? this.generator;
  }

  /** Runs synchronous `fn` with `generator` as the default for random ops (dropout, init). */
  withGenerator<T>(generator: Generator, fn: () => T): T {
    this.generatorOverrides.push(generator);
    try {
      const result = fn();
      if (result instanceof Promise)
        throw new Error('withGenerator: the function returned a Promise; pass the generator to each op instead');
      return result;
    } finally {
      this.generatorOverrides.pop();
    }
  }

  // ----- backends -----

  registerBackend(name: string, factory: BackendFactory, priority = 1): void {
    this.registry.set(name, { factory, priority });
  }

  removeBackend(name: string): void {
    this.registry.delete(name);
    const instance = this.instances.get(name);
    if (instance === this.active) this.active = null;
    instance?.dispose?.();
    this.instances.delete(name);
  }

  registeredBackends(): string[] {
    return [...this.registry.keys()];
  }

  async setBackend(name: string): Promise<Backend> {
    const registration = this.registry.get(name);
    if (!registration) {
      throw new Error(
        `setBackend: no backend named '${name}' is registered (registered: ${this.registeredBackends().join(', ') || 'none'})`,
      );
    }
    let instance = this.instances.get(name);
    if (!instance) {
      instance = await registration.factory();
      this.instances.set(name, instance);
    }
    this.active = instance;
    return instance;
  }

  /** The active backend; picks the highest-priority backend that can start synchronously if none is set. */
  get backend(): Backend {
    if (this.active) return this.active;
    const ordered = [...this.registry.entries()].sort((a, b) => b[1].priority - a[1].priority);
    for (const [name, { factory }] of ordered) {
      const made = this.instances.get(name) ?? factory();
      if (made instanceof Promise) continue;
      this.instances.set(name, made);
      this.active = made;
      return made;
    }
    throw new Error('backend: no backend is ready; install one (e.g. @peftjs/backend-cpu) and await setBackend(name)');
  }

  /** Runs synchronous `fn` with `backend` active (tensors without inputs are made there), then restores the previous one. */
  withActiveBackend<T>(backend: Backend, fn: () => T): T {
    const previous = this.active;
    this.active = backend;
    try {
      const result = fn();
      if (result instanceof Promise) throw new Error('withActiveBackend: fn must be synchronous');
      return result;
    } finally {
      this.active = previous;
    }
  }

  // ----- tensors and memory -----

  /** @internal sets that note every tensor made while they are open, kept or not (disposeOnThrow). */
  readonly allocationRecords = new Set<Set<Tensor>>();

  /** @internal called by the Tensor constructor. */
  onTensorCreated(t: Tensor, track: boolean): void {
    this.numTensors++;
    if (track) this.scopes.innermost()?.tracked.add(t);
    for (const record of this.allocationRecords) record.add(t);
  }

  /** @internal called by Tensor.dispose. */
  onTensorDisposed(t: Tensor): void {
    this.numTensors--;
    this.scopes.untrack(t);
    for (const record of this.allocationRecords) record.delete(t);
  }

  /** Allocates a buffer on `backend` and wraps it as a contiguous tensor. */
  makeTensor(shape: Shape, dtype: DType, backend: Backend = this.backend, values?: TypedArray, track = true): Tensor {
    if (!backend.capabilities.dtypes.includes(dtype)) {
      throw new TypeError(`${backend.name} backend does not support dtype ${dtype} (supported: ${backend.capabilities.dtypes.join(', ')})`);
    }
    const size = sizeOf(shape);
    const storage = backend.alloc(dtype, size);
    // a backend that stores nothing (the meta backend of initEmptyWeights) adds no bytes
    let bytes = 0;
    const ref = new DataRef(backend, storage, dtype, size, () => {
      this.numDataBuffers--;
      this.numBytes -= bytes;
    });
    bytes = backend.capabilities.storesNothing ? 0 : ref.numBytes;
    this.numDataBuffers++;
    this.numBytes += bytes;
    if (this.numBytes > this.peakBytes) this.peakBytes = this.numBytes;
    if (values) backend.upload(storage, values);
    return new Tensor(ref, contiguousLayout(shape), dtype, track);
  }

  /** A new handle on the same storage with another layout (views, detach, saved aliases). */
  alias(t: Tensor, layout: Layout = t.layout, track = true): Tensor {
    return new Tensor(t.ref, layout, t.dtype, track);
  }

  /** Marks a tensor as long-lived: no enclosing tidy or scope disposes it. */
  keep<T extends Tensor>(t: T): T {
    for (const frame of this.scopes.frames()) frame.tracked.delete(t);
    return t;
  }

  /** @internal opens an async scope (Scope); `enter`: for the current task from here on. */
  pushScope(enter = true): ScopeFrame {
    return this.scopes.openAsync(enter);
  }

  /** @internal closes an async scope, disposing what it tracked. */
  popScope(frame: ScopeFrame): void {
    this.scopes.closeAsync(frame);
    for (const t of frame.tracked) t.dispose();
    frame.tracked.clear();
  }

  /** @internal pops a tidy frame, disposing what it tracked except `survivors`, which move to the parent. */
  private popSyncScope(frame: ScopeFrame, survivors: ReadonlySet<Tensor> = new Set()): void {
    const parent = this.scopes.popSync(frame);
    for (const t of frame.tracked) {
      if (survivors.has(t)) parent?.tracked.add(t);
      else t.dispose();
    }
  }

  /**
   * Runs `fn` in a new scope and disposes every tensor it made, except the tensors in its result
   * (which move to the enclosing scope) and kept ones. `fn` must be synchronous.
   */
  scoped<T>(fn: () => T): T {
    const frame = this.scopes.pushSync();
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.popSyncScope(frame);
      throw err;
    }
    if (result instanceof Promise) {
      this.popSyncScope(frame);
      throw new Error('tidy: the function returned a Promise; use scope() for async code');
    }
    this.popSyncScope(frame, collectTensors(result));
    return result;
  }

  memory(): MemoryInfo {
    const b = this.active;
    return {
      numTensors: this.numTensors,
      numDataBuffers: this.numDataBuffers,
      numBytes: this.numBytes,
      peakBytes: this.peakBytes,
      backend: b ? { name: b.name, ...b.memory() } : null,
    };
  }

  // ----- ops -----

  /** Runs an op: checks inputs, allocates outputs, dispatches, records the graph node when needed. */
  execute<A>(spec: OpSpec<A>): Tensor[] {
    const { op, inputs } = spec;
    inputs.forEach((t, i) => t.assertAlive(op, `input ${i}`));
    const backend = inputs.length > 0 ? inputs[0].ref.backend : (spec.backend ?? this.backend);
    for (const t of inputs) {
      if (t.ref.backend !== backend) {
        const other = t.ref.backend.name === backend.name ? `another ${backend.name} instance` : t.ref.backend.name;
        throw new Error(`${op}: inputs are on different backends (${backend.name} and ${other})`);
      }
    }
    // bool and int32 results carry no gradient (comparisons, argmax), so they record nothing
    if (this.gradWatch && !this.gradWatch.sawGradInput) this.gradWatch.sawGradInput = inputs.some((t) => t.requiresGrad);
    const needsGrad = this.gradEnabled && inputs.some((t) => t.requiresGrad) && spec.outputs.some((o) => isFloatingPoint(o.dtype));
    const rule = needsGrad ? (spec.rule ?? getGradientRule(op)) : undefined;
    if (needsGrad && !rule) {
      throw new Error(`${op}: has no gradient rule, but an input requires grad (use noGrad() or detach() if no gradient is wanted)`);
    }
    // a broadcast view can name more elements than any buffer holds; a kernel over it would run for hours
    inputs.forEach((t, i) => assertFitsBackend(backend, op, `input ${i}`, t.shape, t.dtype));
    for (const o of spec.outputs) assertFitsBackend(backend, op, 'output', o.shape, o.dtype);
    const outputs = spec.outputs.map((o) => this.makeTensor(o.shape, o.dtype, backend));
    const staged = backend.capabilities.requiresContiguous ? inputs.map((t) => (t.isDense ? t : this.contiguousCopy(t))) : inputs;
    try {
      this.runKernels(backend, op, () => spec.run(backend, staged.map(info), outputs.map(info)));
    } catch (e) {
      outputs.forEach((t) => t.dispose());
      throw e;
    } finally {
      staged.forEach((t, i) => t !== inputs[i] && t.dispose());
    }
    if (rule) this.record(rule, spec, outputs);
    else spec.saved?.forEach((t) => t.dispose());
    return outputs;
  }

  /** A view op: a new layout on the same storage, recorded in the graph like any op. */
  view<A>(op: string, x: Tensor, layout: Layout, attrs: A): Tensor {
    x.assertAlive(op, 'input');
    const out = this.alias(x, layout);
    if (this.gradWatch && x.requiresGrad) this.gradWatch.sawGradInput = true;
    if (this.gradEnabled && x.requiresGrad) {
      const rule = getGradientRule(op);
      if (!rule) throw new Error(`${op}: has no gradient rule, but its input requires grad`);
      this.record(rule, { op, inputs: [x], attrs }, [out]);
    }
    return out;
  }

  /** Strided to contiguous copy, outside the graph (used for reads and contiguity). */
  contiguousCopy(t: Tensor): Tensor {
    assertFitsBackend(t.ref.backend, 'contiguous', 'input', t.shape, t.dtype);
    const out = this.makeTensor(t.shape, t.dtype, t.ref.backend);
    this.runKernels(t.ref.backend, 'contiguous', () => t.ref.backend.kernels.copy({ src: info(t), dst: info(out) }));
    return out;
  }

  /** Calls kernels, checking in leak-check mode that they leave the backend's buffer count unchanged. */
  runKernels(backend: Backend, op: string, fn: () => void): void {
    if (!this.checkLeaks) return fn();
    const before = backend.numLiveBuffers();
    fn();
    const after = backend.numLiveBuffers();
    if (after !== before) {
      throw new Error(`${op}: kernel leaked ${after - before} buffer(s) on the ${backend.name} backend (leak check)`);
    }
  }

  /** @internal attaches a graph node to `outputs` (ops, views, customOp). */
  record<A>(rule: GradientRule<A>, spec: Pick<OpSpec<A>, 'op' | 'inputs' | 'attrs' | 'saved'>, outputs: Tensor[]): void {
    const inputs = spec.inputs;
    const save = (list: readonly Tensor[]) => list.map((t) => this.alias(t, t.layout, false));
    const edges: Edge[] = inputs.map((t) => {
      if (t.node) return { node: t.node, output: t.outputIndex };
      return t.requiresGrad ? { leaf: t } : null;
    });
    const node = new GraphNode(
      rule,
      {
        op: spec.op,
        inputs: rule.saveInputs === false ? [] : save(inputs),
        outputs: rule.saveOutputs ? save(outputs) : [],
        saved: spec.saved ? spec.saved.map((t) => this.keep(t)) : [],
        attrs: spec.attrs as A,
        inputShapes: inputs.map((t) => t.shape),
        inputDTypes: inputs.map((t) => t.dtype),
        needsGrad: inputs.map((t) => t.requiresGrad),
      },
      edges,
      outputs.map((t) => ({ shape: t.shape, dtype: t.dtype })),
      outputs[0].ref.backend,
    );
    outputs.forEach((t, i) => {
      t.node = node;
      t.outputIndex = i;
      node.retain();
    });
  }
}

/** Throws, naming the op, the argument and its shape, when `shape` holds more `dtype` values than the backend's largest buffer. */
export function assertFitsBackend(backend: Backend, op: string, arg: string, shape: Shape, dtype: DType): void {
  const elements = sizeOf(shape);
  const bytes = elements * bytesPerElement(dtype);
  const max = backend.capabilities.maxBufferSize;
  if (bytes > max) {
    throw new RangeError(
      `${op}: ${arg} of shape ${formatShape(shape)} holds ${elements} ${dtype} values (${bytes} bytes), more than the ${backend.name} backend's largest buffer of ${max} bytes`,
    );
  }
}

/** Every tensor inside a value: a tensor, or arrays, Maps and plain objects holding tensors. */
export function collectTensors(value: unknown, found: Set<Tensor> = new Set()): Set<Tensor> {
  if (value instanceof Tensor) {
    found.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, found);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, found);
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, found);
  }
  return found;
}

export function info(t: Tensor): TensorInfo {
  return { storage: t.ref.storage, layout: t.layout, dtype: t.dtype };
}

function readEnvFlag(name: string): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.[name];
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}

/** The one engine of this process, shared by every copy of core that is loaded. */
export function engine(): Engine {
  const g = globalThis as unknown as Record<symbol, Engine | undefined>;
  let e = g[ENGINE_KEY];
  if (!e) {
    e = new Engine();
    g[ENGINE_KEY] = e;
  } else if (e.version !== ENGINE_VERSION) {
    throw new Error(
      `@peftjs/core ${ENGINE_VERSION} found an engine of version ${e.version} already loaded; install one version of @peftjs/core`,
    );
  }
  return e;
}

export function registerBackend(name: string, factory: BackendFactory, priority = 1): void {
  engine().registerBackend(name, factory, priority);
}
export function removeBackend(name: string): void {
  engine().removeBackend(name);
}
export async function setBackend(name: string): Promise<void> {
  await engine().setBackend(name);
}
/** Name of the active backend. */
export function getBackend(): string {
  return engine().backend.name;
}
/** The active backend itself (TensorFlow.js's `tf.backend()`): its capabilities, name and memory. */
export function activeBackend(): Backend {
  return engine().backend;
}
export function memory(): MemoryInfo {
  return engine().memory();
}
/** Starts a new high-water mark of live tensor bytes (PyTorch's reset_peak_memory_stats). */
export function resetPeakMemory(): void {
  const e = engine();
  e.peakBytes = e.numBytes;
}
/** Turns the per-kernel leak check on or off (on in tests; also PEFTJS_CHECK_LEAKS=1). */
export function setLeakCheck(on: boolean): void {
  engine().checkLeaks = on;
}
/** Whether the per-kernel leak check is on. */
export function getLeakCheck(): boolean {
  return engine().checkLeaks;
}
/**
 * Runs synchronous `fn` with `generator` as the default of every random op (dropout masks, inits),
 * so concurrent runs each draw from their own stream; the Trainer runs each step this way.
 */
export function withGenerator<T>(generator: Generator, fn: () => T): T {
  return engine().withGenerator(generator, fn);
}

/** The global Philox generator (PyTorch's `torch.default_generator`), whatever withGenerator set. */
export function defaultGenerator(): Generator {
  return engine().generator;
}

/** The generator random ops use when given none: the innermost withGenerator's, else the global one. */
export function currentGenerator(): Generator {
  return engine().currentGenerator();
}

/** Seeds the global Philox generator (initialisation, dropout, random ops). */
export function manualSeed(seed: number | bigint): void {
  engine().generator.manualSeed(seed);
}
