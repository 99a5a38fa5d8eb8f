/** Three fixed splits of a corpus. */
export interface Splits<T> {
  train: T;
  validation: T;
  test: T;
}

export type SplitName = keyof Splits<unknown>;

/** 32-bit FNV-1a over the UTF-8 bytes of `key` (offset basis 2166136261, prime 16777619). */
export function fnv1a32(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The split of an item with stable id `key`: FNV-1a of the id modulo 10 puts buckets 0–7 in train,
 * 8 in validation and 9 in test (about 80/10/10). It depends on the id alone, so it is the same on every
 * machine and run, and an item keeps its split if the corpus grows.
 */
export function splitOf(key: string): SplitName {
  const bucket = fnv1a32(key) % 10;
  return bucket < 8 ? 'train' : bucket === 8 ? 'validation' : 'test';
}

/** Groups items by `splitOf(keyOf(item))`, keeping their order. */
export function splitByKey<T>(items: readonly T[], keyOf: (item: T) => string): Splits<T[]> {
  const out: Splits<T[]> = { train: [], validation: [], test: [] };
  for (const item of items) out[splitOf(keyOf(item))].push(item);
  return out;
}

/**
 * Splits an ordered sequence of sections (chapters) into three contiguous runs: train up to the
 * section boundary nearest 80% of the characters, validation to the boundary nearest 90%, test the rest.
 */
export function splitContiguous(sections: readonly string[]): Splits<string[]> {
  const total = sections.reduce((n, s) => n + s.length, 0);
  const boundaryNear = (fraction: number) => {
    let best = 0;
    let bestDistance = Infinity;
    let seen = 0;
    for (let i = 0; i <= sections.length; i++) {
      const distance = Math.abs(seen - fraction * total);
      if (distance < bestDistance) [best, bestDistance] = [i, distance];
      if (i < sections.length) seen += sections[i].length;
    }
    return best;
  };
  const a = boundaryNear(0.8);
  const b = Math.max(a + 1, boundaryNear(0.9));
  return { train: sections.slice(0, a), validation: sections.slice(a, b), test: sections.slice(b) };
}
