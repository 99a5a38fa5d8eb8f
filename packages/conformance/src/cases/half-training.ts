import { autocast, crossEntropy, gelu, GradScaler, matmul, SGD, tensor, tidy, type HalfDType, type Tensor } from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertEqual, check } from '../util/compare.js';
import { disposeAll, fromValues, read } from '../util/tensors.js';
import { HALF_DTYPES, halfSkip } from './half-ops.js';

// Training under autocast on the backend: a two-layer MLP whose matmuls run in half and whose loss
// runs in float32, with float32 master weights and dynamic loss scaling, against the same steps in
// float32; and GradScaler meeting a real float16 overflow in backward.

const STEPS = 8;
const [BATCH, IN, HIDDEN, CLASSES] = [8, 6, 16, 4];

function stream(seed: number, n: number, scale: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return scale * ((s / 2 ** 32) * 2 - 1);
  });
}

interface Mlp {
  params: Tensor[];
  x: Tensor;
  target: Tensor;
}

function makeMlp(): Mlp {
  const params = [
    fromValues(stream(1, IN * HIDDEN, 0.6), [IN, HIDDEN], 'float32', true),
    fromValues(stream(2, HIDDEN, 0.1), [HIDDEN], 'float32', true),
    fromValues(stream(3, HIDDEN * CLASSES, 0.4), [HIDDEN, CLASSES], 'float32', true),
  ];
  const x = fromValues(stream(4, BATCH * IN, 1.5), [BATCH, IN], 'float32');
  const target = tensor(
    Int32Array.from({ length: BATCH }, (_, i) => (i * 3) % CLASSES),
    { shape: [BATCH], dtype: 'int32' },
  );
  return { params, x, target };
}

/** logits = gelu(x·W1 + b1)·W2; cross-entropy. Under autocast the matmuls and gelu run in half. */
function loss({ params: [w1, b1, w2], x, target }: Mlp): Tensor {
  return tidy(() => crossEntropy(matmul(gelu(matmul(x, w1).add(b1)), w2), target));
}

async function train(dtype: HalfDType | null, scaler?: GradScaler): Promise<{ losses: number[]; gradDTypes: string[] }> {
  const mlp = makeMlp();
  const optimizer = new SGD(mlp.params, { lr: 0.5 });
  const losses: number[] = [];
  let gradDTypes: string[] = [];
  try {
    for (let step = 0; step < STEPS; step++) {
      optimizer.zeroGrad();
      const l = dtype ? autocast(dtype, () => loss(mlp), { strict: true }) : loss(mlp);
      check(l.dtype === 'float32', `autocast: the loss is ${l.dtype}, expected float32 (losses run in float32)`);
      losses.push(await l.item());
      const scaled = scaler ? scaler.scale(l) : l;
      scaled.backward();
      gradDTypes = mlp.params.map((p) => p.grad?.dtype ?? 'none');
      if (scaler) {
        await scaler.step(optimizer);
        scaler.update();
      } else {
        optimizer.step();
      }
      if (scaled !== l) scaled.dispose();
      l.dispose();
    }
    return { losses, gradDTypes };
  } finally {
    optimizer.dispose();
    disposeAll(mlp.params, [mlp.x, mlp.target]);
  }
}

/** Max over steps of |loss − float32 loss| / the first float32 loss. */
function lossGap(got: number[], want: number[]): number {
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]) / Math.abs(want[0])));
}

async function autocastTraining(ctx: CaseContext, dtype: HalfDType): Promise<void> {
  halfSkip(ctx, dtype);
  const full = await train(null);
  const half = await train(dtype, new GradScaler({ initScale: 2 ** 8, enabled: dtype === 'float16' }));
  check(
    half.gradDTypes.every((d) => d === 'float32'),
    `autocast: gradients of the float32 parameters are ${half.gradDTypes.join(', ')}, expected float32`,
  );
  check(
    half.losses[STEPS - 1] < 0.8 * half.losses[0],
    `autocast ${dtype}: loss went from ${half.losses[0]} to ${half.losses[STEPS - 1]}, not down by 20%`,
  );
  // measured on SwiftShader: 5.3e-5 (float16), 1.2e-3 (bfloat16) over 8 steps
  const tol = ctx.tolerances[dtype];
  const gap = lossGap(half.losses, full.losses);
  check(
    gap <= tol,
    `autocast ${dtype}: losses ${half.losses.map((l) => l.toFixed(5)).join(', ')} differ from float32's ${full.losses.map((l) => l.toFixed(5)).join(', ')} by ${gap.toExponential(2)} > ${tol.toExponential(0)}`,
  );
}

/**
 * A scale of 2^20 overflows float16 in backward (the logits' gradient is up to scale/batch): the
 * first step is skipped with the weights untouched and the scale halved, until a step runs; two
 * clean steps later (growthInterval 2) the scale doubles.
 */
async function overflow(ctx: CaseContext): Promise<void> {
  halfSkip(ctx, 'float16');
  const mlp = makeMlp();
  const optimizer = new SGD(mlp.params, { lr: 0.1 });
  const scaler = new GradScaler({ initScale: 2 ** 20, growthInterval: 2 });
  try {
    const stepOnce = async (): Promise<boolean> => {
      optimizer.zeroGrad();
      const l = autocast('float16', () => loss(mlp), { strict: true });
      const scaled = scaler.scale(l);
      scaled.backward();
      const ran = await scaler.step(optimizer);
      scaler.update();
      disposeAll([scaled, l]);
      return ran;
    };
    const before = await Promise.all(mlp.params.map(read));
    check(!(await stepOnce()), 'GradScaler: a scale of 2^20 should overflow float16 in backward, but the step ran');
    const after = await Promise.all(mlp.params.map(read));
    after.forEach((v, i) => assertEqual(`GradScaler: parameter ${i} after a skipped step`, v, before[i]));
    check(scaler.getScale() === 2 ** 19, `GradScaler: scale after one overflow is ${scaler.getScale()}, expected 2^19`);
    let skipped = 1;
    while (!(await stepOnce())) {
      if (++skipped > 12) throw new Error(`GradScaler: still overflowing at scale ${scaler.getScale()}`);
    }
    const settled = scaler.getScale();
    check(settled <= 2 ** 19 && settled >= 2 ** 8, `GradScaler: first clean step at scale ${settled}, expected between 2^8 and 2^19`);
    check(await stepOnce(), `GradScaler: a second step at scale ${scaler.getScale()} overflowed`);
    check(
      scaler.getScale() === settled * 2,
      `GradScaler: after two clean steps the scale is ${scaler.getScale()}, expected ${settled * 2}`,
    );
  } finally {
    optimizer.dispose();
    disposeAll(mlp.params, [mlp.x, mlp.target]);
  }
}

export const halfTrainingCases: ConformanceCase[] = [
  ...HALF_DTYPES.map((dtype): ConformanceCase => ({
    suite: 'half',
    name: `autocast ${dtype}: an MLP trains with float32 master weights and follows the float32 run`,
    timeout: 60_000,
    run: (ctx) => autocastTraining(ctx, dtype),
  })),
  { suite: 'half', name: 'GradScaler: a float16 overflow skips the step, backs off, then grows back', timeout: 60_000, run: overflow },
];
