import {
  Conv1D,
  Conv2d,
  Dropout,
  Embedding,
  GatedMLP,
  LayerNorm,
  MLP,
  Module,
  MultiHeadAttention,
  RMSNorm,
  loadSafetensors,
  manualSeed,
  sum,
  tensor,
  tidy,
  type Tensor,
} from '@peftjs/core';
import { loadPretrained, memorySource, type ModelOutput } from '@peftjs/models';
import type { GoldenSource } from '../golden/files.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertShape, check, maxAbs } from '../util/compare.js';
import { read } from '../util/tensors.js';

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

interface LayerCase {
  name: string;
  make: () => Module;
  /** The inputs on the active backend (made from fixed values). */
  inputs: () => unknown[];
  /** Seeds the Philox generator before the forward (dropout masks). */
  seed?: number;
  train?: boolean;
  tolerance?: 'elementwise' | 'reduction';
}

interface LayerResult {
  shape: number[];
  out: Float64Array;
  grads: Map<string, Float64Array>;
}

/** Builds the layer with fixed parameter values, runs forward and backward of sum(out · fixed weights). */
async function runLayer(c: LayerCase): Promise<LayerResult> {
  const layer = c.make();
  const state = new Map([...layer.stateDict()].map(([k, t], i) => [k, tensor(values(t.size, 101 + i), { shape: t.shape })]));
  layer.loadStateDict(state);
  for (const t of state.values()) t.dispose();
  layer.train(c.train ?? false);
  if (c.seed !== undefined) manualSeed(c.seed);
  const inputs = c.inputs();
  const floats = inputs.filter((x): x is Tensor => x instanceof Object && 'dispose' in x && (x as Tensor).dtype === 'float32');
  for (const x of floats) x.requiresGrad = true;
  try {
    const out = tidy(() => (layer.forward as (...a: unknown[]) => Tensor)(...inputs));
    const weights = tensor(values(out.size, 7), { shape: out.shape });
    tidy(() => sum(out.mul(weights)).backward());
    const grads = new Map<string, Float64Array>();
    for (const [name, p] of layer.namedParameters()) grads.set(name, p.grad ? await read(p.grad) : new Float64Array(p.size));
    for (const [i, x] of floats.entries()) grads.set(`input ${i}`, await read(x.grad!));
    const result = { shape: [...out.shape], out: await read(out), grads };
    out.dispose();
    weights.dispose();
    return result;
  } finally {
    for (const x of inputs) for (const t of tensorsIn(x)) t.dispose();
    layer.dispose();
  }
}

/** The tensors in an input: itself, or the values of an options object. */
function tensorsIn(x: unknown): Tensor[] {
  if (x instanceof Object && 'dispose' in x) return [x as Tensor];
  return x && typeof x === 'object' ? Object.values(x).filter((v): v is Tensor => v instanceof Object && 'dispose' in v) : [];
}

const f32 = (n: number[], seed: number) =>
  tensor(
    values(
      n.reduce((a, b) => a * b, 1),
      seed,
      1,
    ),
    { shape: n },
  );
const ids = (rows: number[][]) => tensor(rows, { dtype: 'int32' });

const LAYERS: LayerCase[] = [
  {
    name: 'Embedding',
    make: () => new Embedding(10, 6),
    inputs: () => [
      ids([
        [1, 4, 4, 9],
        [0, 2, 7, 1],
      ]),
    ],
    tolerance: 'elementwise',
  },
  { name: 'LayerNorm', make: () => new LayerNorm(12), inputs: () => [f32([3, 4, 12], 1)] },
  { name: 'RMSNorm', make: () => new RMSNorm(12), inputs: () => [f32([3, 4, 12], 2)] },
  { name: 'Conv1D', make: () => new Conv1D(10, 6), inputs: () => [f32([2, 3, 6], 3)] },
  {
    name: 'Conv2d (stride 2, padding 1)',
    make: () => new Conv2d(3, 5, 3, { stride: 2, padding: 1 }),
    inputs: () => [f32([2, 3, 7, 6], 4)],
  },
  { name: 'Conv2d (patches)', make: () => new Conv2d(3, 8, 4, { stride: 4 }), inputs: () => [f32([2, 3, 8, 8], 5)] },
  { name: 'MLP (gelu)', make: () => new MLP(6, 12), inputs: () => [f32([2, 3, 6], 6)] },
  { name: 'GatedMLP (silu)', make: () => new GatedMLP(6, 10), inputs: () => [f32([2, 3, 6], 7)] },
  {
    name: 'MultiHeadAttention (causal, grouped-query, RoPE, padding mask)',
    make: () => new MultiHeadAttention(16, 4, { numKeyValueHeads: 2, causal: true, rope: { theta: 10000 } }),
    inputs: () => [
      f32([2, 5, 16], 8),
      {
        attentionMask: ids([
          [1, 1, 1, 1, 1],
          [0, 1, 1, 1, 1],
        ]),
      },
    ],
  },
  {
    name: 'MultiHeadAttention (bidirectional, bias)',
    make: () => new MultiHeadAttention(12, 3, { bias: true }),
    inputs: () => [f32([2, 4, 12], 9)],
  },
  { name: 'Dropout (eval: identity)', make: () => new Dropout(0.5), inputs: () => [f32([4, 8], 10)], tolerance: 'elementwise' },
  {
    name: 'Dropout (training, Philox mask)',
    make: () => new Dropout(0.3),
    inputs: () => [f32([4, 8], 11)],
    seed: 5,
    train: true,
    tolerance: 'elementwise',
  },
];

function layerCase(c: LayerCase): ConformanceCase {
  return {
    suite: 'modules',
    name: `${c.name}: forward, parameter and input gradients`,
    run: async (ctx: CaseContext) => {
      const got = await ctx.onBackend(() => runLayer(c));
      const want = await ctx.onReference(() => runLayer(c));
      const tol = ctx.tolerances[c.tolerance ?? 'reduction'];
      assertShape(`${c.name} output`, got.shape, want.shape);
      assertClose(`${c.name} output`, got.out, want.out, tol, got.shape);
      for (const [name, g] of want.grads) {
        const label = `${c.name} d/d${name}`;
        // a gradient that is zero in exact arithmetic (a key bias under softmax) is compared absolutely
        if (maxAbs(g) < 1e-6)
          check(maxAbs(got.grads.get(name)!) < 1e-5, `${label}: expected ~0, got max |g| ${maxAbs(got.grads.get(name)!)}`);
        else assertClose(label, got.grads.get(name)!, g, ctx.tolerances.gradient);
      }
    },
  };
}

/** `source` is an Error when the golden folder could not be found: the case then fails with it. */
function goldenModelCase(source: GoldenSource | Error, caseName: string, label: string): ConformanceCase {
  return {
    suite: 'modules',
    name: `${label} logits match Hugging Face transformers (golden ${caseName})`,
    timeout: 120_000,
    run: async (ctx) => {
      if (source instanceof Error) throw source;
      const [config, weights, input, output] = await Promise.all(
        ['base_config.json', 'base_model.safetensors', 'input.safetensors', 'output.safetensors'].map((f) =>
          source.readBytes(`peft/${caseName}/${f}`),
        ),
      );
      const outputs = loadSafetensors(output);
      const want = outputs.get('out_base');
      if (!want) throw new Error(`golden ${caseName}: output.safetensors has no out_base`);
      const logits = await ctx.onBackend(async () => {
        const model = await loadPretrained(memorySource({ 'config.json': config, 'model.safetensors': weights }));
        const inputs = loadSafetensors(input);
        try {
          const out = model
            .eval()
            .forward({ inputIds: inputs.get('input_ids'), attentionMask: inputs.get('attention_mask') }) as ModelOutput;
          const result = { shape: [...out.logits.shape], values: await read(out.logits) };
          out.logits.dispose();
          return result;
        } finally {
          for (const t of inputs.values()) t.dispose();
          model.dispose();
        }
      });
      assertShape(`${label} logits`, logits.shape, want.shape);
      const expected = await read(want);
      for (const t of outputs.values()) t.dispose();
      assertClose(`${label} logits`, logits.values, expected, ctx.tolerances.reduction, logits.shape);
    },
  };
}

/** The nn layers against the CPU reference, and whole HF models against the golden logits. */
export function modulesCases(source: GoldenSource | Error): ConformanceCase[] {
  return [
    ...LAYERS.map(layerCase),
    goldenModelCase(source, 'lora_llama', 'LlamaForCausalLM'),
    goldenModelCase(source, 'lora_gpt2_conv1d', 'GPT2LMHeadModel'),
  ];
}
