/**
 * The memory-saving paths give what the plain ones give, on every backend: gradient checkpointing
 * (a Llama layer stack with attention dropout, rerun in backward with the same Philox state) and
 * the sliced LM-head cross-entropy (core's linearCrossEntropy and returnLogits: false).
 */
import { crossEntropy, linearCrossEntropy, manualSeed, matmul, tensor, tidy, type Tensor } from '@peftjs/core';
import { LlamaConfig, LlamaForCausalLM, type ModelInputs } from '@peftjs/models';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose } from '../util/compare.js';
import { disposeAll, read } from '../util/tensors.js';

/** Deterministic values in [−scale, scale) (a small LCG), the same on every backend. */
function values(n: number, seed: number, scale = 0.5): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

function tinyLlama(dropout: number): LlamaForCausalLM {
  const model = new LlamaForCausalLM(
    new LlamaConfig({
      vocabSize: 20,
      hiddenSize: 16,
      intermediateSize: 24,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      attentionDropout: dropout,
    }),
  );
  tidy(() =>
    model.loadStateDict(new Map([...model.stateDict()].map(([k, t], i) => [k, tensor(values(t.size, 31 + i), { shape: t.shape })]))),
  );
  return model;
}

/** The loss and each parameter's gradient of one forward and backward (dropout seeded). */
async function step(model: LlamaForCausalLM, inputs: ModelInputs): Promise<{ loss: Float64Array; grads: Map<string, Float64Array> }> {
  manualSeed(9);
  const loss = tidy(() => model.forward(inputs).loss!);
  loss.backward();
  const grads = new Map<string, Float64Array>();
  for (const [k, p] of model.namedParameters()) grads.set(k, await read(p.grad!));
  const value = await read(loss);
  loss.dispose();
  model.zeroGrad();
  return { loss: value, grads };
}

function compare(ctx: CaseContext, label: string, got: Awaited<ReturnType<typeof step>>, want: Awaited<ReturnType<typeof step>>) {
  assertClose(`${label} loss`, got.loss, want.loss, ctx.tolerances.reduction);
  for (const [k, g] of want.grads) assertClose(`${label} d${k}`, got.grads.get(k)!, g, ctx.tolerances.gradient);
}

const ids = () =>
  tensor(
    [
      [3, 7, 1, 9, 4, 2],
      [5, 5, 8, 0, 6, 1],
    ],
    { dtype: 'int32' },
  );
const labelsOf = () =>
  tensor(
    [
      [3, 7, 1, 9, 4, 2],
      [5, 5, 8, -100, 6, 1],
    ],
    { dtype: 'int32' },
  );

const cases: [string, (ctx: CaseContext) => Promise<void>][] = [
  [
    'gradient checkpointing gives the gradients of the plain run, dropout replayed',
    async (ctx) => {
      await ctx.onBackend(async () => {
        const model = tinyLlama(0.25).train();
        const [inputIds, labels] = [ids(), labelsOf()];
        try {
          const plain = await step(model, { inputIds, labels });
          model.gradientCheckpointingEnable();
          compare(ctx, 'checkpointed', await step(model, { inputIds, labels }), plain);
        } finally {
          disposeAll(inputIds, labels);
          model.dispose();
        }
      });
    },
  ],
  [
    'returnLogits: false gives the loss and gradients of the full logits',
    async (ctx) => {
      await ctx.onBackend(async () => {
        const model = tinyLlama(0).train();
        const [inputIds, labels] = [ids(), labelsOf()];
        try {
          const plain = await step(model, { inputIds, labels });
          compare(ctx, 'sliced', await step(model, { inputIds, labels, returnLogits: false }), plain);
        } finally {
          disposeAll(inputIds, labels);
          model.dispose();
        }
      });
    },
  ],
  [
    'linearCrossEntropy equals crossEntropy of the full logits (value and gradients)',
    async (ctx) => {
      const run = async (fused: boolean) => {
        const x = tensor(values(9 * 5, 3), { shape: [9, 5] }).requiresGrad_();
        const w = tensor(values(13 * 5, 4), { shape: [13, 5] }).requiresGrad_();
        const b = tensor(values(13, 5), { shape: [13] }).requiresGrad_();
        const t = tensor(Int32Array.from([0, 12, -100, 3, 7, 7, 1, -100, 11]), { dtype: 'int32' });
        try {
          const loss = tidy(() => {
            const l: Tensor = fused
              ? linearCrossEntropy(x, w, t, { bias: b, chunkSize: 2 })
              : crossEntropy(matmul(x, w, { transposeB: true }).add(b), t);
            l.backward();
            return l;
          });
          const out = {
            loss: await read(loss),
            grads: new Map([
              ['x', await read(x.grad!)],
              ['w', await read(w.grad!)],
              ['b', await read(b.grad!)],
            ]),
          };
          loss.dispose();
          return out;
        } finally {
          disposeAll(x, w, b, t);
        }
      };
      const want = await ctx.onBackend(() => run(false));
      compare(ctx, 'linearCrossEntropy', await ctx.onBackend(() => run(true)), want);
    },
  ],
];

export const memorySavingCases: ConformanceCase[] = cases.map(([name, run]) => ({ suite: 'memory-saving', name, run }));
