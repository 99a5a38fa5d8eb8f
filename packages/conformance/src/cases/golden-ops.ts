import { readSafetensors, tidy, type DType, type SafetensorsTensor, type Tensor } from '@peftjs/core';
import { readGoldenJson, type GoldenSource } from '../golden/files.js';
import { goldenRunner, type GoldenParams } from '../golden/runners.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertShape } from '../util/compare.js';
import { disposeAll, fromValues, read } from '../util/tensors.js';

/** What the golden suite compared, for the line printed after the run. */
export interface GoldenReport {
  dir: string;
  compared: { float32: Set<string>; float64: Set<string> };
  /** PEFT method cases (peft/<case>) and LoRA combinations: how many are listed, which passed a check. */
  peft: { listed: number; compared: Set<string> };
  combinations: { listed: number; compared: Set<string> };
}

/** Cases whose float32 error is bounded like a reduction (1e-4) rather than elementwise (1e-5). */
const REDUCTION_LIKE = /sum|mean|max|min|matmul|norm|attention|softmax|cross_entropy/;

/** One case per entry of `<dir>/ops/index.json` and precision; a name without a runner fails. */
export async function goldenOpCases(source: GoldenSource, report: GoldenReport): Promise<ConformanceCase[]> {
  const index = (await readGoldenJson(source, 'ops/index.json')) as Record<string, GoldenParams>;
  const names = Object.keys(index);
  if (names.length === 0) throw new Error(`golden: ${source.location}/ops/index.json lists no cases`);
  return names.flatMap((name) =>
    (['float32', 'float64'] as const).map((dtype) => ({
      suite: 'golden',
      name: `${name} (${dtype})`,
      run: async (ctx: CaseContext) => {
        await runGoldenCase(ctx, source, name, index[name], dtype);
        report.compared[dtype].add(name);
      },
    })),
  );
}

async function runGoldenCase(
  ctx: CaseContext,
  source: GoldenSource,
  name: string,
  params: GoldenParams,
  dtype: 'float32' | 'float64',
): Promise<void> {
  const runner = goldenRunner(name);
  if (!runner) throw new Error(`no runner for golden case ${name}`);
  if (!Array.isArray(params.inputs)) throw new Error(`golden case ${name}: index.json gives no 'inputs' list`);
  if (dtype === 'float64' && !ctx.supportsFloat64) ctx.skip(`the ${ctx.backend.name} backend does not support float64`);
  const fileName = typeof params.file === 'string' ? params.file : `${name}.safetensors`;
  const file = readSafetensors(await source.readBytes(`ops/${fileName}`));
  const suffix = dtype === 'float64' ? '.f64' : '';
  const get = (key: string): SafetensorsTensor => {
    const t = file.tensors.get(key + suffix);
    if (!t) throw new Error(`golden case ${name}: ${fileName} has no tensor '${key + suffix}'`);
    return t;
  };
  const tol =
    dtype === 'float64' ? ctx.tolerances.float64 : REDUCTION_LIKE.test(name) ? ctx.tolerances.reduction : ctx.tolerances.elementwise;
  const label = `golden ${name} (${dtype})`;
  await ctx.onBackend(async () => {
    const inputs: Record<string, Tensor> = {};
    let out: Tensor | undefined;
    let gradOut: Tensor | undefined;
    try {
      for (const n of params.inputs) inputs[n] = load(get(n), dtype, true);
      out = tidy(() => runner(inputs, params, get('out').shape));
      const want = get('out');
      assertShape(`${label} out`, out.shape, want.shape);
      assertClose(`${label} out`, await read(out), numbers(want), tol, want.shape);
      gradOut = load(get('grad_out'), dtype, false);
      out.backward({ gradient: gradOut });
      for (const n of params.inputs) {
        const key = `grad_${n}`;
        if (!file.tensors.has(key + suffix)) continue;
        const g = inputs[n].grad;
        if (!g) throw new Error(`${label}: input '${n}' got no gradient`);
        assertShape(`${label} ${key}`, g.shape, get(key).shape);
        assertClose(`${label} ${key}`, await read(g), numbers(get(key)), tol, get(key).shape);
      }
    } finally {
      disposeAll(out, gradOut, Object.values(inputs));
    }
  });
}

function numbers(t: SafetensorsTensor): ArrayLike<number> {
  if (t.data instanceof BigInt64Array) return Array.from(t.data, Number);
  return t.data as ArrayLike<number>;
}

function load(t: SafetensorsTensor, dtype: DType, requiresGrad: boolean): Tensor {
  if (t.dtype !== 'F32' && t.dtype !== 'F64') throw new Error(`golden: expected a float tensor, got ${t.dtype}`);
  return fromValues(numbers(t), t.shape, dtype, requiresGrad);
}
