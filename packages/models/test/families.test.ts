import '@peftjs/backend-cpu';
import { concat, manualSeed, noGrad, ropeInverseFrequencies, setBackend, tensor, tidy, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GemmaConfig,
  GemmaForCausalLM,
  LlamaConfig,
  LlamaForCausalLM,
  MistralConfig,
  MistralForCausalLM,
  Phi3Config,
  Phi3ForCausalLM,
  Qwen2Config,
  Qwen2ForCausalLM,
  loadPretrained,
  memorySink,
  memorySource,
  savePretrained,
  type ModelOutput,
  type PreTrainedModel,
  type PreTrainedModelWith,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const tiny = {
  vocabSize: 24,
  hiddenSize: 16,
  intermediateSize: 24,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  maxPositionEmbeddings: 64,
};
const ids = () =>
  tensor(
    [
      [3, 7, 1, 9, 4, 2, 11, 5],
      [5, 5, 8, 0, 6, 1, 23, 2],
    ],
    { dtype: 'int32' },
  );

function logits(model: PreTrainedModelWith<ModelOutput>, inputs: Record<string, Tensor>): Float32Array {
  const out = noGrad(() => model.forward(inputs).logits);
  const data = Float32Array.from(out.dataSync());
  out.dispose();
  return data;
}

function expectClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  expect(worst / scale).toBeLessThanOrEqual(tol);
}

/** Copies `from`'s weights into `to` with `map` turning them into to's names (all of to's keys must be given). */
function transplant(from: PreTrainedModel, to: PreTrainedModel, map: (state: Map<string, Tensor>) => Map<string, Tensor>) {
  tidy(() => to.loadStateDict(map(new Map(from.weightsToSave())), { strict: false }));
}

async function roundTrip<M extends PreTrainedModel>(model: M): Promise<M> {
  const sink = memorySink();
  await savePretrained(model, sink);
  const json = JSON.parse(sink.files.get('config.json') as string);
  expect(json.model_type).toBe(model.config.modelType);
  expect(json.architectures).toEqual([model.architecture]);
  const loaded = await loadPretrained<M>(memorySource(sink.files));
  expect(loaded.architecture).toBe(model.architecture);
  return loaded;
}

describe('Llama-like families', () => {
  it('Qwen2: biases on q, k and v, none on o; equals Llama with a zero o_proj bias', async () => {
    manualSeed(1);
    const qwen = new Qwen2ForCausalLM(new Qwen2Config(tiny));
    const keys = [...qwen.stateDict().keys()];
    expect(keys).toContain('model.layers.0.self_attn.q_proj.bias');
    expect(keys).toContain('model.layers.1.self_attn.v_proj.bias');
    expect(keys).not.toContain('model.layers.0.self_attn.o_proj.bias');
    expect(keys).not.toContain('model.layers.0.mlp.up_proj.bias');
    const llama = new LlamaForCausalLM(new LlamaConfig({ ...tiny, attentionBias: true }));
    transplant(qwen, llama, (s) => {
      for (let i = 0; i < tiny.numHiddenLayers; i++)
        s.set(`model.layers.${i}.self_attn.o_proj.bias`, tensor(new Float32Array(tiny.hiddenSize)));
      return s;
    });
    const inputIds = ids();
    expectClose(logits(qwen, { inputIds }), logits(llama, { inputIds }));
    const loaded = await roundTrip(qwen);
    expectClose(logits(loaded, { inputIds }), logits(qwen, { inputIds }), 0);
    expect(
      Qwen2Config.fromJSON({ ...qwen.config.toJSON(), use_sliding_window: true, sliding_window: 3, max_window_layers: 1 })
        .decoderLayout()
        .slidingWindow(1),
    ).toBe(3);
    [qwen, llama, loaded].forEach((m) => m.dispose());
    inputIds.dispose();
  });

  it('Mistral: equals Llama while the window covers the sequence; a short window hides the early tokens', async () => {
    manualSeed(2);
    const one = { ...tiny, numHiddenLayers: 1 };
    const wide = new MistralForCausalLM(new MistralConfig({ ...one, slidingWindow: 8 }));
    const llama = new LlamaForCausalLM(new LlamaConfig(one));
    transplant(wide, llama, (s) => s);
    const inputIds = ids();
    expectClose(logits(wide, { inputIds }), logits(llama, { inputIds }));
    const narrow = new MistralForCausalLM(new MistralConfig({ ...one, slidingWindow: 3 }));
    transplant(wide, narrow, (s) => s);
    // with one layer and window 3, position 7 sees tokens 5..7 only: changing token 0 leaves its logits alone
    const changed = tensor(
      [
        [20, 7, 1, 9, 4, 2, 11, 5],
        [5, 5, 8, 0, 6, 1, 23, 2],
      ],
      { dtype: 'int32' },
    );
    const [a, b] = [logits(narrow, { inputIds }), logits(narrow, { inputIds: changed })];
    const at = (x: Float32Array, t: number) => x.slice(t * tiny.vocabSize, (t + 1) * tiny.vocabSize);
    expectClose(at(a, 7), at(b, 7), 1e-6);
    expect(Math.max(...at(a, 2).map((v, i) => Math.abs(v - at(b, 2)[i])))).toBeGreaterThan(1e-4);
    const loaded = await roundTrip(narrow);
    expect((loaded.config as MistralConfig).slidingWindow).toBe(3);
    [wide, llama, narrow, loaded].forEach((m) => m.dispose());
    [inputIds, changed].forEach((t) => t.dispose());
  });

  it('Gemma: equals Llama given (1 + w) norms, embeddings scaled by sqrt(hidden), GeGLU and a tied head', async () => {
    manualSeed(3);
    const gemma = new GemmaForCausalLM(new GemmaConfig({ ...tiny, headDim: 8 }));
    const keys = [...gemma.weightsToSave().keys()];
    expect(keys).not.toContain('lm_head.weight');
    expect([...gemma.model.getSubmodule('norm').parameters()[0].dataSync()].every((v) => v === 0)).toBe(true);
    // give the norms non-zero weights, so (1 + w) matters
    tidy(() => {
      for (const [k, t] of gemma.stateDict())
        if (k.endsWith('norm.weight')) t.assign(tensor(Float32Array.from({ length: t.size }, (_, i) => 0.1 * Math.sin(i + k.length))));
    });
    const llama = new LlamaForCausalLM(new LlamaConfig({ ...tiny, headDim: 8, hiddenAct: 'gelu_pytorch_tanh', tieWordEmbeddings: true }));
    transplant(gemma, llama, (s) => new Map([...s].map(([k, t]) => [k, k.endsWith('norm.weight') ? t.add(1) : t])));
    const inputIds = ids();
    const embeds = noGrad(() => llama.model.embedTokens.forward(inputIds).mul(Math.fround(Math.sqrt(tiny.hiddenSize))));
    expectClose(logits(gemma, { inputIds }), logits(llama, { inputsEmbeds: embeds }));
    const loaded = await roundTrip(gemma);
    expectClose(logits(loaded, { inputIds }), logits(gemma, { inputIds }), 0);
    [gemma, llama, loaded].forEach((m) => m.dispose());
    [inputIds, embeds].forEach((t) => t.dispose());
  });

  it("Phi-3: qkv_proj and gate_up_proj hold Llama's projections stacked; equal logits", async () => {
    manualSeed(4);
    const llama = new LlamaForCausalLM(new LlamaConfig(tiny));
    const phi = new Phi3ForCausalLM(new Phi3Config({ ...tiny, rmsNormEps: 1e-6 }));
    const shapes = Object.fromEntries([...phi.stateDict()].map(([k, t]) => [k, t.shape]));
    const headDim = tiny.hiddenSize / tiny.numAttentionHeads;
    expect(shapes['model.layers.0.self_attn.qkv_proj.weight']).toEqual([
      (tiny.numAttentionHeads + 2 * tiny.numKeyValueHeads) * headDim,
      tiny.hiddenSize,
    ]);
    expect(shapes['model.layers.0.mlp.gate_up_proj.weight']).toEqual([2 * tiny.intermediateSize, tiny.hiddenSize]);
    expect(Object.keys(shapes).some((k) => k.includes('q_proj') || (k.includes('up_proj.') && !k.includes('gate_up')))).toBe(false);
    transplant(llama, phi, (s) => {
      const out = new Map<string, Tensor>();
      for (const [k, t] of s) {
        const m = /^(model\.layers\.\d+)\.(self_attn\.[qkv]_proj|mlp\.(gate|up)_proj)\.weight$/.exec(k);
        if (!m) out.set(k, t);
      }
      for (let i = 0; i < tiny.numHiddenLayers; i++) {
        const p = `model.layers.${i}`;
        out.set(
          `${p}.self_attn.qkv_proj.weight`,
          concat(
            ['q', 'k', 'v'].map((n) => s.get(`${p}.self_attn.${n}_proj.weight`)!),
            0,
          ),
        );
        out.set(`${p}.mlp.gate_up_proj.weight`, concat([s.get(`${p}.mlp.gate_proj.weight`)!, s.get(`${p}.mlp.up_proj.weight`)!], 0));
      }
      return out;
    });
    const inputIds = ids();
    expectClose(logits(phi, { inputIds }), logits(llama, { inputIds }));
    const loaded = await roundTrip(phi);
    expectClose(logits(loaded, { inputIds }), logits(phi, { inputIds }), 0);
    expect(() => new Phi3Config({ partialRotaryFactor: 0.5 })).toThrow(
      /Phi3Config: partialRotaryFactor \(partial_rotary_factor\) must be 1/,
    );
    [phi, llama, loaded].forEach((m) => m.dispose());
    inputIds.dispose();
  });

  it('rope_scaling: linear divides the frequencies; llama3 keeps high ones, divides low ones, blends between', () => {
    const plain = ropeInverseFrequencies(128, 500000);
    const linear = ropeInverseFrequencies(128, 500000, { ropeType: 'linear', factor: 4 });
    linear.forEach((v, i) => expect(v).toBeCloseTo(plain[i] / 4, 12));
    const l3 = LlamaConfig.fromJSON({
      rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      hidden_size: 128,
      num_attention_heads: 1,
    }).ropeScalingSpec;
    const scaled = ropeInverseFrequencies(128, 500000, l3);
    plain.forEach((inv, i) => {
      const wavelen = (2 * Math.PI) / inv;
      const ratio = scaled[i] / inv;
      if (wavelen < 8192 / 4) expect(ratio).toBe(1);
      else if (wavelen > 8192) expect(ratio).toBeCloseTo(1 / 8, 6);
      else {
        const smooth = (8192 / wavelen - 1) / (4 - 1);
        expect(ratio).toBeCloseTo((1 - smooth) / 8 + smooth, 5);
      }
    });
    expect(() => new LlamaConfig({ ropeScaling: { rope_type: 'yarn', factor: 2 } })).toThrow(/rope_type "yarn" is not supported/);
    expect(() => new LlamaConfig({ ropeScaling: { type: 'linear', factor: 0.5 } })).toThrow(/rope_scaling\)\.factor must be a number ≥ 1/);
  });

  it('a Llama with linear rope_scaling at positions p equals the plain one at p / factor', () => {
    manualSeed(5);
    const scaled = new LlamaForCausalLM(new LlamaConfig({ ...tiny, ropeScaling: { rope_type: 'linear', factor: 2 } }));
    const plain = new LlamaForCausalLM(new LlamaConfig(tiny));
    transplant(scaled, plain, (s) => s);
    const inputIds = ids();
    const a = logits(scaled, { inputIds });
    // the first position is 0 under both; later ones differ
    const b = logits(plain, { inputIds });
    expectClose(a.slice(0, tiny.vocabSize), b.slice(0, tiny.vocabSize), 1e-6);
    expect(
      Math.max(...a.slice(3 * tiny.vocabSize, 4 * tiny.vocabSize).map((v, i) => Math.abs(v - b[3 * tiny.vocabSize + i]))),
    ).toBeGreaterThan(1e-5);
    [scaled, plain].forEach((m) => m.dispose());
    inputIds.dispose();
  });

  it('gradients of the new layers match finite differences (float64)', () => {
    manualSeed(6);
    for (const model of [
      new GemmaForCausalLM(new GemmaConfig({ ...tiny, numHiddenLayers: 1, headDim: 8 })),
      new Phi3ForCausalLM(new Phi3Config({ ...tiny, numHiddenLayers: 1 })),
    ]) {
      model.to('float64');
      const inputIds = ids();
      const loss = () =>
        noGrad(() => {
          const l = model.forward({ inputIds, labels: inputIds }).loss!;
          const v = l.itemSync();
          l.dispose();
          return v;
        });
      const l = tidy(() => model.forward({ inputIds, labels: inputIds }).loss!);
      l.backward();
      l.dispose();
      for (const [name, p] of [...model.namedParameters()].filter(([k]) => /norm|qkv_proj|gate_up|embed/.test(k))) {
        const g = p.grad!.dataSync();
        const base = Float64Array.from(p.dataSync());
        for (const i of [0, Math.floor(p.size / 2)]) {
          const at = (d: number) => {
            const v = Float64Array.from(base);
            v[i] += d;
            tidy(() => p.assign(tensor(v, { shape: p.shape, dtype: 'float64' })));
            return loss();
          };
          const eps = 1e-6;
          const fd = (at(eps) - at(-eps)) / (2 * eps);
          tidy(() => p.assign(tensor(base, { shape: p.shape, dtype: 'float64' })));
          expect(Math.abs(fd - g[i]), `${model.architecture} ${name}[${i}]`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
        }
      }
      inputIds.dispose();
      model.dispose();
    }
  });
});
