import { svdHost } from '../linalg/svd-host.js';
import { formQ, formR, householderQr } from '../linalg/householder.js';

/** LoRA factors made from a base weight on the host: A (r x in) and B (out x r), row-major float64. */
export interface HostFactors {
  a: Float64Array;
  b: Float64Array;
}

function checkRank(what: string, r: number, out: number, inFeatures: number): void {
  if (r > Math.min(out, inFeatures)) {
    throw new RangeError(
      `LoRA: initLoraWeights '${what}' needs r <= min(out, in) = ${Math.min(out, inFeatures)} for a ${out}x${inFeatures} weight, got r = ${r}`,
    );
  }
}

/**
 * PiSSA (Meng et al., 2024): W = U S Vᵀ; A = diag(√(S_r/s)) V_rᵀ, B = U_r diag(√(S_r/s)), so that
 * s·B·A is W's best rank-r approximation. `w` is out x in. Singular vectors have a free sign per
 * pair; B·A does not depend on it.
 */
export function pissaFactors(w: Float64Array, out: number, inFeatures: number, r: number, scaling: number): HostFactors {
  checkRank('pissa', r, out, inFeatures);
  if (!(scaling > 0)) throw new RangeError(`LoRA: initLoraWeights 'pissa' needs a positive scaling (loraAlpha / r), got ${scaling}`);
  const { U, uCols, S, Vh } = svdHost(w, out, inFeatures, false);
  const a = new Float64Array(r * inFeatures);
  const b = new Float64Array(out * r);
  for (let k = 0; k < r; k++) {
    const root = Math.sqrt(S[k]! / scaling);
    for (let j = 0; j < inFeatures; j++) a[k * inFeatures + j] = root * Vh[k * inFeatures + j]!;
    for (let i = 0; i < out; i++) b[i * r + k] = U[i * uCols + k]! * root;
  }
  return { a, b };
}

/**
 * OLoRA (Büyükakyüz, 2024): W = Q R (Householder, LAPACK's signs as torch.linalg.qr);
 * B = Q[:, :r], A = R[:r]. `w` is out x in.
 */
export function oloraFactors(w: Float64Array, out: number, inFeatures: number, r: number): HostFactors {
  checkRank('olora', r, out, inFeatures);
  const h = householderQr(w, out, inFeatures);
  const k = Math.min(out, inFeatures);
  const q = formQ(h, k);
  const rr = formR(h, k);
  const b = new Float64Array(out * r);
  for (let i = 0; i < out; i++) for (let j = 0; j < r; j++) b[i * r + j] = q[i * k + j]!;
  return { a: rr.slice(0, r * inFeatures), b };
}

/** W − s·B·A (out x in). */
export function residualWeight(
  w: Float64Array,
  { a, b }: HostFactors,
  out: number,
  inFeatures: number,
  r: number,
  scaling: number,
): Float64Array {
  const res = Float64Array.from(w);
  for (let i = 0; i < out; i++) {
    for (let k = 0; k < r; k++) {
      const bik = scaling * b[i * r + k]!;
      if (bik === 0) continue;
      for (let j = 0; j < inFeatures; j++) res[i * inFeatures + j] -= bik * a[k * inFeatures + j]!;
    }
  }
  return res;
}

/** A row-major rows x cols matrix transposed. */
export function transposeHost(m: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j]!;
  return t;
}
