/**
 * Checks one `combine_<type>` golden case (LoRA add_weighted_adapter by HF PEFT) against
 * combineLora / combineLoraAdapters on the active backend; the statistics run on the host in float64.
 *
 * - cat, linear, ties, magnitude_prune: the combined factors themselves.
 * - svd, ties_svd, magnitude_prune_svd: the product B·A (singular vectors have arbitrary signs).
 * - dare_linear, dare_ties: PyTorch's Bernoulli masks cannot be replayed, so every entry of the
 *   combined factors must equal the value of one of the 2ⁿ keep/drop patterns of the source entries;
 *   the recovered masks are then replayed through combineLora, which must reproduce the factors.
 * - dare_linear_svd, dare_ties_svd: A's rows orthonormal, B's columns orthogonal with descending
 *   norms, and the product's size and direction relative to the plain svd combination must be a
 *   plausible draw (within 4 standard deviations) of the same statistics over seeded runs of ours,
 *   and the other choice of DARE's 1/density rescaling must not be (beyond 5 deviations), so the
 *   statistic is shown to tell the two apart.
 */
import { dispose, Generator, tensor, type Tensor } from '@peftjs/core';
import { combineLora, combineLoraAdapters, type LoraCombinationOptions, type LoraCombinationType, type LoraPiece } from '@peftjs/methods';

export interface CombineCheck {
  name: string;
  combinationType: LoraCombinationType;
  compared: string;
  /** Worst relative error (max |ours − PEFT| / max |PEFT|) over everything compared exactly. */
  maxRelError: number;
  /** One line per module for the log. */
  details: string[];
  /** Empty when the case passes. */
  failures: string[];
  /**
   * The combined factors where the case determines them (every type but the DARE svd ones: for DARE,
   * those made with the masks recovered from PEFT's), keyed as PEFT saves them; the caller disposes.
   */
  factors?: Map<string, Tensor>;
}

export interface CombineMeta {
  adapters: string[];
  combination_type: LoraCombinationType;
  configs: Record<string, { r: number; lora_alpha: number; use_rslora?: boolean }>;
  kwargs: {
    density?: number;
    svd_rank?: number;
    svd_clamp?: number;
    majority_sign_method?: 'total' | 'frequency';
    svd_full_matrices?: boolean;
  };
  weights: number[];
  target_modules: string[];
}

/** One golden combination: its meta.json, the PEFT version that made it, and its tensors. */
export interface CombineInputs {
  name: string;
  meta: CombineMeta;
  peftVersion: string;
  /** source_adapters.safetensors: `<adapter>.<key>` for each of meta.adapters. */
  sources: Map<string, Tensor>;
  /** combined_adapter.safetensors. */
  golden: Map<string, Tensor>;
  /**
   * The scaling of `adapter` at `module` (a key prefix of the saved tensors). Give the model's own, so a
   * wrong scaling in the layers fails the check; the default is alpha / r (or alpha / √r) from meta.json.
   */
  scaling?: (adapter: string, module: string) => number;
}

type Flat = { rows: number; cols: number; data: Float64Array };

const MONTE_CARLO_RUNS = 40;

export interface CombineCheckOptions {
  /** Relative tolerance of the exact comparisons (default 1e-4). */
  tolerance?: number;
  /** Options that replace those derived from the case (to show what does not match). */
  overrides?: Partial<LoraCombinationOptions>;
}

/** Checks the combination; the inputs' tensors stay the caller's. */
export async function checkCombineCase(inputs: CombineInputs, checkOptions: CombineCheckOptions = {}): Promise<CombineCheck> {
  const { tolerance = 1e-4, overrides = {} } = checkOptions;
  const { meta, peftVersion, sources, golden } = inputs;
  const type = meta.combination_type;
  const check: CombineCheck = { name: inputs.name, combinationType: type, compared: '', maxRelError: 0, details: [], failures: [] };
  const options: LoraCombinationOptions = {
    combinationType: type,
    density: meta.kwargs.density,
    svdRank: meta.kwargs.svd_rank,
    svdClamp: meta.kwargs.svd_clamp,
    svdFullMatrices: meta.kwargs.svd_full_matrices,
    majoritySignMethod: meta.kwargs.majority_sign_method,
    // PEFT before 0.19 dropped DARE's division by density
    dareRescale: compareVersions(peftVersion, '0.19.0') >= 0,
    ...overrides,
  };
  const adapters = meta.adapters.map((name, i) => {
    const { r, lora_alpha, use_rslora } = meta.configs[name];
    const tensors = new Map<string, Tensor>();
    for (const [key, t] of sources) if (key.startsWith(`${name}.`)) tensors.set(key.slice(name.length + 1), t);
    const fromMeta = use_rslora ? lora_alpha / Math.sqrt(r) : lora_alpha / r;
    const scaling = (module: string) => inputs.scaling?.(name, module) ?? fromMeta;
    return { name, tensors, scaling, weight: meta.weights[i] };
  });
  const modules = [...golden.keys()].filter((k) => k.endsWith('.lora_A.weight')).map((k) => k.slice(0, -'.lora_A.weight'.length));
  const piecesOf = (module: string): LoraPiece[] =>
    adapters.map((a) => ({
      A: a.tensors.get(`${module}.lora_A.weight`)!,
      B: a.tensors.get(`${module}.lora_B.weight`)!,
      scaling: a.scaling(module),
      weight: a.weight,
    }));
  const note = (relError: number, line: string) => {
    check.maxRelError = Math.max(check.maxRelError, relError);
    check.details.push(line);
    if (!(relError <= tolerance)) check.failures.push(`${line} (tolerance ${tolerance})`);
  };

  if (type.startsWith('dare_') && type.endsWith('_svd')) {
    check.compared = 'structure of U·S and Vh; size and direction of B·A against seeded runs';
    for (const module of modules) await checkDareSvdModule(module, piecesOf(module), golden, options, check);
  } else if (type.startsWith('dare_')) {
    check.compared = 'every entry is one keep/drop pattern of the sources; replaying those masks reproduces the factors';
    check.factors = new Map();
    try {
      for (const module of modules) await checkDareModule(module, piecesOf(module), golden, options, check, note);
    } catch (err) {
      dispose([...check.factors.values()]);
      throw err;
    }
  } else {
    const combined = await combineLoraAdapters(adapters, options);
    check.factors = combined.tensors;
    try {
      const expectedKeys = [...golden.keys()].sort();
      const gotKeys = [...combined.tensors.keys()].sort();
      if (expectedKeys.join() !== gotKeys.join()) check.failures.push(`keys differ: ours [${gotKeys}] vs PEFT [${expectedKeys}]`);
      const byProduct = type.endsWith('svd');
      check.compared = byProduct ? 'B·A (products)' : 'A and B';
      for (const module of modules) {
        const [aKey, bKey] = [`${module}.lora_A.weight`, `${module}.lora_B.weight`];
        const [A, B, gA, gB] = await Promise.all(
          [combined.tensors.get(aKey)!, combined.tensors.get(bKey)!, golden.get(aKey)!, golden.get(bKey)!].map(readFlat),
        );
        if (`${A.rows}x${A.cols} ${B.rows}x${B.cols}` !== `${gA.rows}x${gA.cols} ${gB.rows}x${gB.cols}`) {
          check.failures.push(
            `${module}: shapes A ${A.rows}x${A.cols}, B ${B.rows}x${B.cols} vs PEFT A ${gA.rows}x${gA.cols}, B ${gB.rows}x${gB.cols}`,
          );
          continue;
        }
        if (byProduct) {
          const err = relError(product(B, A), product(gB, gA));
          note(err, `${module}: B·A rel. error ${err.toExponential(2)}`);
        } else {
          const [errA, errB] = [relError(A, gA), relError(B, gB)];
          note(Math.max(errA, errB), `${module}: A rel. error ${errA.toExponential(2)}, B ${errB.toExponential(2)}`);
        }
      }
    } catch (err) {
      dispose([...combined.tensors.values()]);
      throw err;
    }
  }
  return check;
}

/** Recovers per-entry keep patterns for A and B, then replays them. */
async function checkDareModule(
  module: string,
  pieces: LoraPiece[],
  golden: Map<string, Tensor>,
  options: LoraCombinationOptions,
  check: CombineCheck,
  note: (err: number, line: string) => void,
): Promise<void> {
  const products = pieces.map((p) => p.weight * p.scaling);
  const factorWeights = {
    A: products.map((x) => Math.sign(x || 1) * Math.sqrt(Math.abs(x))),
    B: products.map((x) => Math.sqrt(Math.abs(x))),
  };
  const ties = options.combinationType === 'dare_ties';
  const masks: { A: Tensor[]; B: Tensor[] } = { A: [], B: [] };
  try {
    for (const factor of ['A', 'B'] as const) {
      const sources = await Promise.all(pieces.map((p) => readFlat(p[factor])));
      const want = await readFlat(golden.get(`${module}.lora_${factor}.weight`)!);
      const {
        masks: recovered,
        relError: err,
        keptFraction,
      } = recoverMasks(
        sources,
        factorWeights[factor],
        want,
        options.density!,
        options.dareRescale!,
        ties,
        options.majoritySignMethod ?? 'total',
      );
      masks[factor] = recovered.map((m) => tensor(m, { shape: [want.rows, want.cols], dtype: 'float32' }));
      note(
        err,
        `${module}.${factor}: nearest keep/drop pattern rel. error ${err.toExponential(2)}, kept ${keptFraction.map((f) => f.toFixed(2)).join('/')}`,
      );
      keptFraction.forEach((f, i) => {
        if (f < options.density! - 0.25 || f > options.density! + 0.25)
          check.failures.push(`${module}.${factor}: adapter ${i} kept ${f.toFixed(2)} of its entries, far from density ${options.density}`);
      });
    }
    const replay = await combineLora(pieces, { ...options, masks });
    check.factors!.set(`${module}.lora_A.weight`, replay.A);
    check.factors!.set(`${module}.lora_B.weight`, replay.B);
    const [A, B, gA, gB] = await Promise.all(
      [replay.A, replay.B, golden.get(`${module}.lora_A.weight`)!, golden.get(`${module}.lora_B.weight`)!].map(readFlat),
    );
    const err = Math.max(relError(A, gA), relError(B, gB));
    note(err, `${module}: replay with the recovered masks, rel. error ${err.toExponential(2)}`);
  } finally {
    dispose([...masks.A, ...masks.B]);
  }
}

/**
 * For each entry, the keep pattern (over the n sources) whose combined value is nearest the golden
 * entry; on exact ties the pattern keeping more entries wins.
 */
function recoverMasks(
  sources: Flat[],
  weights: number[],
  want: Flat,
  density: number,
  rescale: boolean,
  ties: boolean,
  signMethod: 'total' | 'frequency',
): { masks: Float32Array[]; relError: number; keptFraction: number[] } {
  const n = sources.length;
  const size = want.data.length;
  const masks = sources.map(() => new Float32Array(size));
  const scale = maxAbs(want.data) || 1;
  let worst = 0;
  const patterns = Array.from({ length: 2 ** n }, (_, p) => 2 ** n - 1 - p).map((p) => Array.from({ length: n }, (_, i) => (p >> i) & 1));
  for (let e = 0; e < size; e++) {
    let best = Number.POSITIVE_INFINITY;
    let bestPattern = patterns[0];
    for (const pattern of patterns) {
      const kept = pattern.map((keep, i) => (keep ? sources[i].data[e] / (rescale ? density : 1) : 0));
      const value = ties ? tiesValue(kept, weights, signMethod) : kept.reduce((s, x, i) => s + weights[i] * x, 0);
      const d = Math.abs(value - want.data[e]);
      if (d < best) {
        best = d;
        bestPattern = pattern;
      }
    }
    worst = Math.max(worst, best / scale);
    bestPattern.forEach((keep, i) => (masks[i][e] = keep));
  }
  return { masks, relError: worst, keptFraction: masks.map((m) => m.reduce((s, x) => s + x, 0) / size) };
}

/** TIES on one entry: elect a sign, average the weighted agreeing values. */
function tiesValue(values: number[], weights: number[], method: 'total' | 'frequency'): number {
  const total = values.reduce((s, x) => s + (method === 'total' ? x : Math.sign(x)), 0);
  const elected = total >= 0 ? 1 : -1;
  let sum = 0;
  let count = 0;
  values.forEach((x, i) => {
    if (Math.sign(x) === elected) {
      sum += weights[i] * x;
      count++;
    }
  });
  return sum / Math.max(count, 1);
}

/** Structure of the factors, and the product's statistics against seeded runs of ours. */
async function checkDareSvdModule(
  module: string,
  pieces: LoraPiece[],
  golden: Map<string, Tensor>,
  options: LoraCombinationOptions,
  check: CombineCheck,
): Promise<void> {
  const [gA, gB] = await Promise.all([golden.get(`${module}.lora_A.weight`)!, golden.get(`${module}.lora_B.weight`)!].map(readFlat));
  // A = Vh_k: orthonormal rows; B = U_k S_k: orthogonal columns, norms descending
  const aat = product(gA, transposeFlat(gA));
  const btb = product(transposeFlat(gB), gB);
  let orthoA = 0;
  let orthoB = 0;
  for (let i = 0; i < aat.rows; i++)
    for (let j = 0; j < aat.cols; j++) {
      orthoA = Math.max(orthoA, Math.abs(aat.data[i * aat.cols + j] - (i === j ? 1 : 0)));
      if (i !== j)
        orthoB = Math.max(
          orthoB,
          Math.abs(btb.data[i * btb.cols + j]) / Math.sqrt(btb.data[i * btb.cols + i] * btb.data[j * btb.cols + j]),
        );
    }
  const norms = Array.from({ length: btb.rows }, (_, i) => Math.sqrt(btb.data[i * btb.cols + i]));
  if (orthoA > 1e-5) check.failures.push(`${module}: A's rows are not orthonormal (max |AAᵀ − I| ${orthoA.toExponential(2)})`);
  if (orthoB > 1e-4) check.failures.push(`${module}: B's columns are not orthogonal (max cosine ${orthoB.toExponential(2)})`);
  if (norms.some((v, i) => i > 0 && v > norms[i - 1] * (1 + 1e-6)))
    check.failures.push(`${module}: B's column norms are not descending: ${norms.map((v) => v.toFixed(4))}`);

  const reference = await combineLora(pieces, { ...options, combinationType: 'svd' });
  const ref = product(...((await Promise.all([reference.B, reference.A].map(readFlat))) as [Flat, Flat]));
  dispose([reference.A, reference.B]);
  const stats = (p: Flat) => {
    const norm = Math.sqrt(dot(p.data, p.data));
    return { size: norm / Math.sqrt(dot(ref.data, ref.data)), cosine: dot(p.data, ref.data) / (norm * Math.sqrt(dot(ref.data, ref.data))) };
  };
  const sample = async (opts: LoraCombinationOptions) => {
    const runs: { size: number; cosine: number }[] = [];
    for (let seed = 1; seed <= MONTE_CARLO_RUNS; seed++) {
      const c = await combineLora(pieces, { ...opts, generator: new Generator(seed) });
      const [A, B] = await Promise.all([c.A, c.B].map(readFlat));
      dispose([c.A, c.B]);
      runs.push(stats(product(B, A)));
    }
    return runs;
  };
  const z = (runs: { size: number; cosine: number }[], value: { size: number; cosine: number }, key: 'size' | 'cosine') => {
    const mean = runs.reduce((s, r) => s + r[key], 0) / runs.length;
    const sd = Math.sqrt(runs.reduce((s, r) => s + (r[key] - mean) ** 2, 0) / (runs.length - 1));
    return (value[key] - mean) / sd;
  };
  const observed = stats(product(gB, gA));
  const ours = await sample(options);
  const [zSize, zCos] = [z(ours, observed, 'size'), z(ours, observed, 'cosine')];
  const other = await sample({ ...options, dareRescale: !options.dareRescale });
  const zOther = z(other, observed, 'size');
  check.details.push(
    `${module}: orthonormality ${orthoA.toExponential(1)}/${orthoB.toExponential(1)}; |B·A| / |svd B·A| ${observed.size.toFixed(3)} (z ${zSize.toFixed(2)}), ` +
      `cosine ${observed.cosine.toFixed(3)} (z ${zCos.toFixed(2)}); with dareRescale ${!options.dareRescale} the size z would be ${zOther.toFixed(1)}`,
  );
  if (Math.abs(zSize) > 4 || Math.abs(zCos) > 4)
    check.failures.push(
      `${module}: PEFT's product is not a plausible draw of ours (z size ${zSize.toFixed(2)}, cosine ${zCos.toFixed(2)})`,
    );
  // the statistic must be able to tell the other rescaling apart, or passing it says nothing
  if (!(Math.abs(zOther) > 5))
    check.failures.push(
      `${module}: the size statistic does not tell dareRescale ${!options.dareRescale} apart (z ${zOther.toFixed(2)}, want beyond ±5)`,
    );
}

export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a, b].map((v) => v.split('.').map((x) => Number.parseInt(x, 10) || 0));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

async function readFlat(t: Tensor): Promise<Flat> {
  const [rows, cols] = [t.shape[0], t.size / t.shape[0]];
  return { rows, cols, data: Float64Array.from(await t.data()) };
}

function product(a: Flat, b: Flat): Flat {
  const out = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++)
    for (let k = 0; k < a.cols; k++) {
      const x = a.data[i * a.cols + k];
      for (let j = 0; j < b.cols; j++) out[i * b.cols + j] += x * b.data[k * b.cols + j];
    }
  return { rows: a.rows, cols: b.cols, data: out };
}

function transposeFlat(a: Flat): Flat {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  return { rows: a.cols, cols: a.rows, data: out };
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);
const maxAbs = (a: Float64Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function relError(got: Flat, want: Flat): number {
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
  return worst / (maxAbs(want.data) || 1);
}
