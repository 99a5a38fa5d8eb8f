/** Where checkpoints live: a folder of named files, written as a whole or not at all. */
export interface CheckpointStore {
  /** Writes every file of a checkpoint into `dir`, replacing an older checkpoint there atomically. */
  write(dir: string, files: ReadonlyMap<string, Uint8Array | string>): Promise<void>;
  /** Reads one file of the checkpoint in `dir`. */
  read(dir: string, name: string): Promise<Uint8Array>;
}

// Kept on globalThis, like the engine, so every loaded copy of core sees the same default.
const STORE_KEY = Symbol.for('peftjs.checkpointStore');
const slot = globalThis as unknown as Record<symbol, CheckpointStore | null | undefined>;

/** The store `Trainer` uses when none is given; `@peftjs/core/node` sets the file-system one. */
export function setDefaultCheckpointStore(store: CheckpointStore | null): void {
  slot[STORE_KEY] = store;
}

export function getDefaultCheckpointStore(): CheckpointStore | null {
  return slot[STORE_KEY] ?? null;
}

/** A store in memory (browsers, tests): checkpoints by folder name. */
export function memoryCheckpointStore(): CheckpointStore & { readonly dirs: Map<string, Map<string, Uint8Array>> } {
  const dirs = new Map<string, Map<string, Uint8Array>>();
  const encoder = new TextEncoder();
  return {
    dirs,
    async write(dir, files) {
      const copy = new Map<string, Uint8Array>();
      for (const [name, data] of files) copy.set(name, typeof data === 'string' ? encoder.encode(data) : data.slice());
      dirs.set(dir, copy);
    },
    async read(dir, name) {
      const data = dirs.get(dir)?.get(name);
      if (!data) throw new Error(`checkpoint: no file ${name} in ${dir}`);
      return data;
    },
  };
}
