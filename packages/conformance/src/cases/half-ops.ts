import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits, type HalfDType } from '@peftjs/core';
import { elementwiseEntries } from '../op-table/elementwise.js';
import { evaluate } from '../op-table/evaluate.js';
import { linalgEntries } from '../op-table/linalg.js';
import type { OpEntry } from '../op-table/index.js';
import { reductionEntries } from '../op-table/reductions.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertEqual, assertShape, check } from '../util/compare.js';
import { hashSeed, inputDType, makeValues } from '../util/inputs.js';

// The op table's matmul, elementwise and reduction rows in float16 and bfloat16 on backends that
// compute in them, against the CPU reference in float64. The float inputs are rounded to the half
// dtype on the host first and the reference gets the same rounded values, so what is measured is
// the kernels: f32 arithmetic on widened inputs and each result rounded once (chains of ops round
// after every op, as half compute does).

export const HALF_DTYPES: readonly HalfDType[] = ['float16', 'bfloat16'];

/** Values as the half dtype holds them. */
export function roundToHalf(values: Float64Array, dtype: HalfDType): Float64Array {
  const f32 = Float32Array.from(values);
  const back = dtype === 'float16' ? float16BitsToFloat32(float32ToFloat16Bits(f32)) : bfloat16BitsToFloat32(float32ToBfloat16Bits(f32));
  return Float64Array.from(back);
}

/**
 * Rows left out, with the reason: they test float64 or int32 paths, or chain so many ops (each
 * rounding to half) that the result measures the chain, not a kernel; argmax takes float32 only.
 */
const LEFT_OUT = /int32|float64|tensor methods|pow scalar base|of large inputs|argmax/;

function eligible(entry: OpEntry): boolean {
  return !entry.needsFloat64 && !LEFT_OUT.test(entry.name) && entry.inputs.some((spec) => inputDType(spec) === 'float');
}

export function halfSkip(ctx: CaseContext, dtype: HalfDType): void {
  if (!ctx.backend.capabilities.dtypes.includes(dtype)) {
    ctx.skip(`the ${ctx.backend.name} backend does not compute in ${dtype} (it computes in ${ctx.backend.capabilities.dtypes.join(', ')})`);
  }
}

async function halfForward(ctx: CaseContext, entry: OpEntry, dtype: HalfDType): Promise<void> {
  halfSkip(ctx, dtype);
  const values = entry.inputs.map((spec, i) => {
    const v = makeValues(spec, hashSeed(entry.name) + i);
    return inputDType(spec) === 'float' ? roundToHalf(v, dtype) : v;
  });
  const got = await ctx.onBackend(() => evaluate(entry, values, dtype));
  const want = await ctx.onReference(() => evaluate(entry, values, 'float64'));
  check(got.length === want.length, `${entry.name} (${dtype}): ${got.length} outputs, the reference gave ${want.length}`);
  got.forEach((g, k) => {
    const w = want[k];
    const label = `${entry.name} in ${dtype}${got.length > 1 ? ` output ${k}` : ''}`;
    assertShape(label, g.shape, w.shape);
    if (w.dtype === 'float64') {
      check(g.dtype === dtype, `${label}: dtype ${g.dtype}, expected ${dtype}`);
      assertClose(label, g.values, w.values, ctx.tolerances[dtype], g.shape);
    } else {
      check(g.dtype === w.dtype, `${label}: dtype ${g.dtype}, the reference gave ${w.dtype}`);
      assertEqual(label, g.values, w.values, g.shape);
    }
  });
}

export function halfOpCases(): ConformanceCase[] {
  const entries = [...linalgEntries, ...elementwiseEntries, ...reductionEntries].filter(eligible);
  return HALF_DTYPES.flatMap((dtype) =>
    entries.map((entry): ConformanceCase => ({
      suite: 'half',
      name: `${dtype}: ${entry.name}`,
      run: (ctx) => halfForward(ctx, entry, dtype),
    })),
  );
}
