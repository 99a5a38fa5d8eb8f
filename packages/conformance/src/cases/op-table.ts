import { OP_TABLE, type OpEntry } from '../op-table/index.js';
import { analyticGradients, evaluate, wantsGrad } from '../op-table/evaluate.js';
import { numericGradients } from '../op-table/finite-differences.js';
import { nd } from '../oracle/nd.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertEqual, assertShape, check } from '../util/compare.js';
import { hashSeed, makeValues, normals } from '../util/inputs.js';

const inputValues = (entry: OpEntry): Float64Array[] => entry.inputs.map((spec, i) => makeValues(spec, hashSeed(entry.name) + i));

function hasGradient(entry: OpEntry): boolean {
  return entry.grad ?? entry.inputs.some(wantsGrad);
}

/** Forward: the backend in float32 against the reference in float64 (exact for int32 and bool results). */
async function forward(ctx: CaseContext, entry: OpEntry): Promise<void> {
  if (entry.needsFloat64 && !ctx.supportsFloat64) ctx.skip(`the ${ctx.backend.name} backend does not support float64`);
  const values = inputValues(entry);
  const got = await ctx.onBackend(() => evaluate(entry, values, 'float32'));
  const want = await ctx.onReference(() => evaluate(entry, values, 'float64'));
  check(got.length === want.length, `${entry.name}: ${got.length} outputs, the reference gave ${want.length}`);
  const tol = entry.kind === 'reduction' ? ctx.tolerances.reduction : ctx.tolerances.elementwise;
  got.forEach((g, k) => {
    const w = want[k];
    const label = `${entry.name}${got.length > 1 ? ` output ${k}` : ''}`;
    assertShape(label, g.shape, w.shape);
    const float = (d: string) => d === 'float32' || d === 'float64';
    check(
      float(g.dtype) === float(w.dtype) && (float(g.dtype) || g.dtype === w.dtype),
      `${label}: dtype ${g.dtype}, the reference gave ${w.dtype}`,
    );
    if (float(g.dtype)) assertClose(label, g.values, w.values, tol, g.shape);
    else assertEqual(label, g.values, w.values, g.shape);
  });
  if (entry.oracle) {
    const oracle = [entry.oracle(...values.map((v, i) => nd(v, entry.inputs[i].shape)))].flat();
    check(oracle.length === want.length, `${entry.name}: the oracle gives ${oracle.length} outputs, the reference ${want.length}`);
    oracle.forEach((o, k) => {
      const label = `${entry.name}${oracle.length > 1 ? ` output ${k}` : ''} on the reference vs a JavaScript oracle`;
      assertShape(label, want[k].shape, o.shape);
      assertClose(label, want[k].values, o.data, ctx.tolerances.float64, want[k].shape);
    });
  }
  if (entry.expect) assertEqual(`${entry.name} values`, got[0].values, entry.expect, got[0].shape);
}

/**
 * Gradients: on the reference in float64, backward against central finite differences; then the
 * backend's float32 backward against the reference's.
 */
async function gradient(ctx: CaseContext, entry: OpEntry): Promise<void> {
  const values = inputValues(entry);
  const shapes = await ctx.onReference(() => evaluate(entry, values, 'float64'));
  const seeds = shapes.map((o, k) => normals(hashSeed(`${entry.name}/seed`) + k, o.values.length));
  const reference = await ctx.onReference(() => analyticGradients(entry, values, seeds, 'float64'));
  const numeric = await ctx.onReference(() => numericGradients(entry, values, seeds, 'float64'));
  reference.forEach((g, i) => {
    if (g)
      assertClose(
        `${entry.name}: d/d(input ${i}) float64 backward vs finite differences`,
        g,
        numeric[i]!,
        ctx.tolerances.finiteDifference,
        entry.inputs[i].shape,
      );
  });
  if (entry.needsFloat64 && !ctx.supportsFloat64) return;
  const got = await ctx.onBackend(() => analyticGradients(entry, values, seeds, 'float32'));
  got.forEach((g, i) => {
    if (g)
      assertClose(
        `${entry.name}: d/d(input ${i}) float32 on ${ctx.backend.name} vs reference`,
        g,
        reference[i]!,
        ctx.tolerances.gradient,
        entry.inputs[i].shape,
      );
  });
}

export function opTableCases(): ConformanceCase[] {
  const names = new Set<string>();
  const cases: ConformanceCase[] = [];
  for (const entry of OP_TABLE) {
    if (names.has(entry.name)) throw new Error(`op table: the name '${entry.name}' is used twice`);
    if (!entry.oracle && !entry.expect) throw new Error(`op table: '${entry.name}' has no independent oracle (give oracle or expect)`);
    names.add(entry.name);
    cases.push({ suite: 'ops', name: entry.name, run: (ctx) => forward(ctx, entry) });
    if (hasGradient(entry)) cases.push({ suite: 'gradients', name: entry.name, run: (ctx) => gradient(ctx, entry) });
  }
  return cases;
}
