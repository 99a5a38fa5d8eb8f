/**
 * BOFT's block butterfly permutation of n indices (PEFT's block_butterfly_perm): the indices are cut
 * into b windows; inside each, runs of r are reordered even runs first, then odd runs, so that
 * factor i pairs blocks 2^i apart. `factor` 0 (a single butterfly factor) is the identity.
 */
export function blockButterflyPerm(n: number, b: number, r: number, factor: number): number[] {
  const indices = Array.from({ length: n }, (_, i) => i);
  if (factor === 0) return indices;
  if (b * r * 2 > n) throw new RangeError(`BOFT: invalid number of blocks ${b} of half-size ${r} for ${n} features`);
  const window = Math.floor(n / b);
  const runs = window / r;
  const order: number[] = [];
  for (let pos = 0; pos < runs; pos += 2) order.push(pos);
  for (let pos = 1; pos < runs; pos += 2) order.push(pos);
  const sorted = new Array<number>(window);
  order.forEach((pos, i) => {
    for (let k = 0; k < r; k++) sorted[i * r + k] = pos * r + k;
  });
  const out = [...indices];
  for (let start = 0; start < n; start += window) {
    for (let k = 0; k < window; k++) out[start + k] = indices[start + sorted[k]!]!;
  }
  return out;
}

export interface BoftShape {
  blockSize: number;
  blockNum: number;
  /** Butterfly factors minus one (PEFT's internal count). */
  extraFactors: number;
}

/** Block size and count for a layer of `inFeatures` inputs, checked as PEFT does. */
export function boftShape(inFeatures: number, blockSize: number, blockNum: number, nButterflyFactor: number, key: string): BoftShape {
  const m = nButterflyFactor - 1;
  const fail = (why: string) => new RangeError(`BOFT: cannot adapt '${key}' (in_features ${inFeatures}): ${why}`);
  if (blockSize === 0) {
    if (inFeatures % blockNum !== 0) throw fail(`boftBlockNum ${blockNum} does not divide in_features`);
    if (m !== 0 && (m > Math.floor(Math.log2(blockNum)) || blockNum % 2 ** m !== 0)) {
      throw fail(`boftBlockNum ${blockNum} must be a multiple of 2^(boftNButterflyFactor − 1) = ${2 ** m}`);
    }
    blockSize = inFeatures / blockNum;
  } else {
    if (inFeatures % blockSize !== 0) throw fail(`boftBlockSize ${blockSize} does not divide in_features`);
    if (m !== 0 && (inFeatures < blockSize * 2 ** m || inFeatures % (blockSize * 2 ** m) !== 0)) {
      throw fail(`boftBlockSize ${blockSize} × 2^(boftNButterflyFactor − 1) = ${blockSize * 2 ** m} must divide in_features`);
    }
    blockNum = inFeatures / blockSize;
  }
  if (m !== 0 && (blockNum % 2 !== 0 || blockSize % 2 !== 0))
    throw fail(`with butterfly factors, boftBlockNum ${blockNum} and boftBlockSize ${blockSize} must be even`);
  return { blockSize, blockNum, extraFactors: m };
}
