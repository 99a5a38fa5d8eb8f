import { AdamW, mseLoss, readSafetensors, sum, tidy, type Module, type Tensor } from '@peftjs/core';
import { parseAdapterFiles, peftModelFromFiles, saveAdapterFiles, type PeftModel } from '@peftjs/methods';
import type { GoldenSource } from '../golden/files.js';
import type { GoldenReport } from './golden-ops.js';
import {
  loadBaseModel,
  loadInputs,
  loadPeftModel,
  openPeftCase,
  outputTensor,
  peftCaseNames,
  targetLike,
  type GoldenArray,
  type PeftGoldenCase,
} from '../peft/golden-case.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertShape, check, maxAbs } from '../util/compare.js';
import { read } from '../util/tensors.js';

/** Config fields whose value depends on where and when PEFT saved, not on the adapter. */
const VOLATILE_CONFIG_FIELDS = new Set(['peft_version', 'auto_mapping', 'base_model_name_or_path', 'revision', 'inference_mode']);

async function forward(
  model: Module,
  c: PeftGoldenCase,
  dtype: 'float32' | 'float64' = 'float32',
): Promise<{ values: Float64Array; shape: number[] }> {
  const inputs = await loadInputs(c, dtype);
  try {
    const out = tidy(() => outputTensor((model.forward as (...a: unknown[]) => unknown)(...inputs.args)));
    const result = { values: await read(out), shape: [...out.shape] };
    out.dispose();
    return result;
  } finally {
    inputs.dispose();
  }
}

/** The expected tensor `key` of a case file, as numbers and shape. */
async function expected(c: PeftGoldenCase, file: string, key: string): Promise<GoldenArray> {
  const t = (await c.arrays(file)).get(key);
  if (!t) throw new Error(`${c.name}: ${file} has no ${key}`);
  return t;
}

async function compareOutput(
  label: string,
  got: { values: Float64Array; shape: number[] },
  want: { values: Float64Array; shape: number[] },
  tol: number,
): Promise<void> {
  assertShape(label, got.shape, want.shape);
  assertClose(label, got.values, want.values, tol, got.shape);
}

/** Frees a model and the gradients its parameters hold. */
function disposeModel(model: Module): void {
  for (const p of model.parameters()) {
    p.grad?.dispose();
    p.grad = null;
  }
  model.dispose();
}

type Check = (ctx: CaseContext, c: PeftGoldenCase) => Promise<void>;

/**
 * The float64 twins' bound: the worst error measured on the CPU backend is 4.1e-14 (lora_bias_all's
 * gradients; most cases are at 1e-16 to 2e-15), so 1e-12 leaves a margin of about 25.
 */
const FLOAT64_TWIN_TOLERANCE = 1e-12;

/**
 * HF's Llama under model.double() still normalises (LlamaRMSNorm) and builds its rotary tables in
 * float32, so the `.f64` twins of every case on the Llama base carry float32 rounding: the worst
 * measured is 1.4e-6 (lora_llama's gradients), bound at about twice that.
 */
const LLAMA_F64_TWIN_TOLERANCE = 3e-6;

/**
 * Cases whose float64 twins PEFT did not compute in float64 throughout, with the tolerance their
 * twins allow (about twice the worst error measured) and why.
 */
const FLOAT32_INSIDE_F64_TWINS: Record<string, { tol: number; why: string }> = {
  fourierft: {
    tol: 3e-7,
    why: "PEFT's FourierFT builds ΔW in float32 in a float64 model too (a float32 dense spectrum, spectrum.float(), ifft2); measured 1.5e-7",
  },
  c3a: { tol: 2e-7, why: "PEFT's C3A casts the input and the kernels to float32 in a float64 model too; measured 7.6e-8" },
  adaption_prompt: {
    tol: 3e-5,
    why: "on the Llama base (float32 norms and rotary tables, see above), and the adaption gate's gradient sums the rounding of every position; measured 1.4e-5",
  },
};

/**
 * Gradients in a case's grads.safetensors that are not the gradients of PEFT's own forward: these
 * parameters must still receive a gradient, but it is not compared with PEFT's (the method's own
 * tests check it against finite differences).
 */
const PEFT_GRADIENT_FAULTS: Record<string, { params: RegExp; why: string }> = {
  c3a: {
    params: /\.(q_proj|v_proj)\.c3a_kernel\./,
    why: "PEFT's BlockCircularConvolution.backward gives the input gradient with the kernel reversed (Σₖ g[k]·w[k+l] for Σₖ g[k]·w[l−k]), so kernels upstream of another C3A layer (q_proj, v_proj before up_proj) get wrong gradients",
  },
};

/** Forward and every gradient of sum(out²), in float32 or against the float64 twins. */
function gradientCheck(dtype: 'float32' | 'float64'): Check {
  return async (ctx, c) => {
    if (dtype === 'float64' && !ctx.supportsFloat64) ctx.skip(`${ctx.backendName} has no float64`);
    const mixedPrecisionTwin = c.meta.base === 'llama' ? LLAMA_F64_TWIN_TOLERANCE : undefined;
    const tol =
      dtype === 'float64'
        ? (FLOAT32_INSIDE_F64_TWINS[c.name]?.tol ?? mixedPrecisionTwin ?? FLOAT64_TWIN_TOLERANCE)
        : ctx.tolerances.reduction;
    const suffix = dtype === 'float64' ? '.f64' : '';
    const peft = await loadPeftModel(c, dtype);
    const inputs = await loadInputs(c, dtype);
    try {
      const out = tidy(() => outputTensor((peft.forward as (...a: unknown[]) => unknown)(...inputs.args)));
      const got = { values: await read(out), shape: [...out.shape] };
      await compareOutput(
        `${c.name} out${dtype === 'float64' ? '_f64' : ''}`,
        got,
        await expected(c, 'output.safetensors', dtype === 'float64' ? 'out_f64' : 'out'),
        tol,
      );
      tidy(() => sum(out.square()).backward());
      out.dispose();
      const grads = await c.arrays('grads.safetensors');
      const wanted = [...grads.keys()].filter((k) => !k.endsWith('.f64')).sort();
      const trainable = [...peft.namedParameters()]
        .filter(([, p]) => p.requiresGrad)
        .map(([n]) => n)
        .sort();
      check(
        JSON.stringify(trainable) === JSON.stringify(wanted),
        `${c.name}: trainable tensors [${trainable.join(', ')}], PEFT trains [${wanted.join(', ')}]`,
      );
      // a gradient that is zero in exact arithmetic (PEFT's is rounding noise) is compared at the scale of the others
      const largest = Math.max(
        ...[...grads].filter(([k]) => k.endsWith(suffix) && (suffix !== '' || !k.endsWith('.f64'))).map(([, g]) => maxAbs(g.values)),
      );
      for (const [name, p] of peft.namedParameters()) {
        if (!p.requiresGrad) {
          check(p.grad === null, `${c.name}: frozen parameter ${name} received a gradient`);
          continue;
        }
        const want = grads.get(name + suffix)!;
        check(p.grad !== null, `${c.name}: ${name} received no gradient`);
        if (PEFT_GRADIENT_FAULTS[c.name]?.params.test(name)) continue;
        assertShape(`${c.name} grad ${name}`, p.grad.shape, want.shape);
        assertClose(
          `${c.name} grad ${name}${suffix}`,
          await read(p.grad),
          want.values,
          dtype === 'float64' ? tol : ctx.tolerances.gradient,
          p.grad.shape,
          1e-3 * largest,
        );
      }
    } finally {
      inputs.dispose();
      disposeModel(peft);
    }
  };
}

const disabledCheck: Check = async (ctx, c) => {
  const diff = c.meta.checks.disable_adapter_minus_base_maxabs;
  if (typeof diff === 'number' && diff > 1e-6)
    ctx.skip(`${c.name} changes the base at initialisation or trains base tensors (PEFT's own disable→base Δ=${diff.toExponential(1)})`);
  const peft = await loadPeftModel(c);
  try {
    const got = await peft.disableAdapter(() => forward(peft, c));
    await compareOutput(
      `${c.name} disabled adapter vs out_base`,
      got,
      await expected(c, 'output.safetensors', 'out_base'),
      ctx.tolerances.reduction,
    );
    await compareOutput(
      `${c.name} after re-enabling`,
      await forward(peft, c),
      await expected(c, 'output.safetensors', 'out'),
      ctx.tolerances.reduction,
    );
  } finally {
    peft.dispose();
  }
};

const mergeCheck: Check = async (ctx, c) => {
  if (!(await c.has('merged.safetensors'))) ctx.skip(`${c.name}: PEFT cannot merge this method`);
  const peft = await loadPeftModel(c);
  let model: Module | null = null;
  try {
    const want = await expected(c, 'output.safetensors', 'out');
    await peft.mergeAdapter({ safeMerge: true });
    await compareOutput(`${c.name} merged adapter`, await forward(peft, c), want, ctx.tolerances.reduction);
    peft.unmergeAdapter();
    await compareOutput(`${c.name} unmerged adapter`, await forward(peft, c), want, ctx.tolerances.reduction);
    model = await peft.mergeAndUnload({ safeMerge: true });
    await compareOutput(
      `${c.name} merge_and_unload output`,
      await forward(model, c),
      await expected(c, 'merged.safetensors', 'out_merged'),
      ctx.tolerances.reduction,
    );
    const merged = await c.arrays('merged.safetensors');
    const state = model.stateDict();
    for (const [key, t] of merged) {
      if (key === 'out_merged') continue;
      const mine = state.get(key);
      check(mine !== undefined, `${c.name}: the merged model has no ${key}`);
      assertShape(`${c.name} merged ${key}`, mine.shape, t.shape);
      assertClose(`${c.name} merged ${key}`, await read(mine), t.values, ctx.tolerances.reduction, t.shape);
    }
    const extra = [...state.keys()].filter((k) => !merged.has(k));
    check(extra.length === 0, `${c.name}: the merged model has tensors PEFT's lacks: ${extra.join(', ')}`);
  } finally {
    (model ?? peft).dispose();
  }
};

function sameJSON(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? [...v].map(norm).sort()
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort()
              .map(([k, x]) => [k, norm(x)]),
          )
        : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

const saveCheck: Check = async (ctx, c) => {
  const peft = await loadPeftModel(c);
  try {
    const files = await saveAdapterFiles(peft);
    const ours = parseAdapterFiles(files);
    const golden = await c.arrays('adapter_model.safetensors');
    try {
      const keys = [...ours.state.keys()].sort();
      const want = [...golden.keys()].sort();
      check(JSON.stringify(keys) === JSON.stringify(want), `${c.name}: saved keys [${keys.join(', ')}], PEFT saves [${want.join(', ')}]`);
      const raw = readSafetensors(files.weights).tensors;
      for (const [k, t] of golden) {
        const mine = ours.state.get(k)!;
        check(raw.get(k)!.dtype === t.dtype, `${c.name}: saved ${k} is ${raw.get(k)!.dtype}, PEFT saves ${t.dtype}`);
        assertShape(`${c.name} saved ${k}`, mine.shape, t.shape);
        assertClose(`${c.name} saved ${k}`, await read(mine), t.values, ctx.tolerances.elementwise, t.shape);
      }
    } finally {
      for (const t of ours.state.values()) t.dispose();
    }
    const mine = JSON.parse(files.config) as Record<string, unknown>;
    const theirs = JSON.parse(c.adapterConfig) as Record<string, unknown>;
    const fields = new Set([...Object.keys(mine), ...Object.keys(theirs)].filter((k) => !VOLATILE_CONFIG_FIELDS.has(k)));
    const differ = [...fields].filter((k) => !sameJSON(mine[k], theirs[k]));
    check(
      differ.length === 0,
      `${c.name}: adapter_config.json differs from PEFT's in ${differ.map((k) => `${k} (ours ${JSON.stringify(mine[k])}, PEFT ${JSON.stringify(theirs[k])})`).join('; ')}`,
    );
  } finally {
    peft.dispose();
  }
};

/** The base weights as PEFT's model held them (peft_state: PiSSA/OLoRA change the base at init). */
async function baseFromPeftState(c: PeftGoldenCase): Promise<Module> {
  const base = await loadBaseModel(c);
  const state = await c.tensors('peft_state.safetensors');
  try {
    const values = new Map<string, Tensor>();
    for (const key of base.stateDict().keys()) {
      const at = key.lastIndexOf('.');
      const [path, param] = [key.slice(0, at), key.slice(at + 1)];
      for (const candidate of [
        `base_model.model.${key}`,
        `base_model.model.${path}.base_layer.${param}`,
        `base_model.model.${path}.original_module.${param}`,
        `base_model.${key}`,
      ]) {
        const t = state.get(candidate);
        if (t) {
          values.set(key, t);
          break;
        }
      }
    }
    base.loadStateDict(values, { strict: false });
  } finally {
    for (const t of state.values()) t.dispose();
  }
  return base;
}

/**
 * PiSSA and OLoRA adapters whose config still names the init (PEFT's save without conversion)
 * reload onto the original base: PEFT's from_pretrained runs the init there again, which recreates
 * the residual base, then loads the trained A and B.
 */
function reloadsOntoOriginalBase(c: PeftGoldenCase): boolean {
  const init = (JSON.parse(c.adapterConfig) as { init_lora_weights?: unknown }).init_lora_weights;
  return typeof init === 'string' && (init === 'olora' || init.startsWith('pissa'));
}

const reloadCheck: Check = async (ctx, c) => {
  const base = reloadsOntoOriginalBase(c) ? await loadBaseModel(c) : await baseFromPeftState(c);
  const files = { config: c.adapterConfig, weights: await c.bytes('adapter_model.safetensors') };
  const peft = peftModelFromFiles(base, files);
  try {
    await compareOutput(
      `${c.name} reloaded from PEFT's files`,
      await forward(peft.eval(), c),
      await expected(c, 'output.safetensors', 'out'),
      ctx.tolerances.reduction,
    );
    check(peft.getNbTrainableParameters().trainable === 0, `${c.name}: a loaded adapter must not train unless asked (isTrainable)`);
  } finally {
    peft.dispose();
  }
};

const countCheck: Check = async (ctx, c) => {
  void ctx;
  const peft = await loadPeftModel(c);
  const grads = await c.arrays('grads.safetensors');
  try {
    const want = [...grads].filter(([k]) => !k.endsWith('.f64')).reduce((n, [, t]) => n + t.values.length, 0);
    const { trainable } = peft.getNbTrainableParameters();
    check(trainable === want, `${c.name}: ${trainable} trainable parameters, PEFT trains ${want}`);
    const tensors = peft.trainableParameters().length;
    const n = c.meta.checks.n_trainable_tensors;
    check(n === undefined || tensors === n, `${c.name}: ${tensors} trainable tensors, PEFT has ${n}`);
  } finally {
    peft.dispose();
  }
};

const trainCheck: Check = async (ctx, c) => {
  void ctx;
  const peft: PeftModel = await loadPeftModel(c);
  const inputs = await loadInputs(c);
  const optimizer = new AdamW(peft.trainableParameters(), { lr: 1e-2, weightDecay: 0 });
  const losses: number[] = [];
  let target: Tensor | null = null;
  try {
    peft.train();
    for (let step = 0; step < 6; step++) {
      const out = tidy(() => outputTensor((peft.forward as (...a: unknown[]) => unknown)(...inputs.args)));
      target ??= targetLike(out);
      const loss = mseLoss(out, target);
      out.dispose();
      loss.backward();
      losses.push(await loss.item());
      loss.dispose();
      optimizer.step();
      optimizer.zeroGrad();
    }
    check(
      losses[losses.length - 1]! < losses[0]!,
      `${c.name}: loss did not go down in 6 AdamW steps: ${losses.map((l) => l.toFixed(5)).join(' → ')}`,
    );
  } finally {
    optimizer.dispose();
    inputs.dispose();
    (target as Tensor | null)?.dispose();
    disposeModel(peft);
  }
};

const CHECKS: [string, Check][] = [
  ['forward and gradients match PEFT (float32)', gradientCheck('float32')],
  ['forward and gradients match PEFT (float64 twins)', gradientCheck('float64')],
  ['disabled adapter equals the base model', disabledCheck],
  ['merge, unmerge and merge_and_unload match PEFT', mergeCheck],
  ['saved adapter files match PEFT', saveCheck],
  ["PEFT's adapter files load and give the same output", reloadCheck],
  ["trainable parameter count equals PEFT's", countCheck],
  ['loss goes down on a small task', trainCheck],
];

/** Every golden PEFT case, each through the method test template. */
export async function methodsCases(source: GoldenSource | Error, report: GoldenReport | null = null): Promise<ConformanceCase[]> {
  if (source instanceof Error)
    return [
      {
        suite: 'methods',
        name: 'golden PEFT cases are present',
        run: async () => {
          throw source;
        },
      },
    ];
  let names: string[];
  try {
    names = await peftCaseNames(source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return [
      {
        suite: 'methods',
        name: 'golden PEFT cases are listed (index.json)',
        run: async () => {
          throw new Error(message);
        },
      },
    ];
  }
  if (report) report.peft.listed = names.length;
  return names.flatMap((name) =>
    CHECKS.map(([label, run]): ConformanceCase => ({
      suite: 'methods',
      name: `${name}: ${label}`,
      timeout: 120_000,
      run: async (ctx) => {
        const c = await openPeftCase(source, name);
        const init = (JSON.parse(c.adapterConfig) as { init_lora_weights?: unknown }).init_lora_weights;
        if (typeof init === 'string' && /^(pissa|olora)/.test(init) && !ctx.backend.capabilities.syncRead) {
          ctx.skip(
            `${init} factors the base weight on the host when the adapter is made, which needs synchronous reads (${ctx.backendName} reads asynchronously)`,
          );
        }
        await ctx.onBackend(() => run(ctx, c));
        report?.peft.compared.add(name);
      },
    })),
  );
}
