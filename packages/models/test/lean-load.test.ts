import '@peftjs/backend-cpu';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  QuantizedLinear,
  initEmptyWeights,
  isMeta,
  manualSeed,
  memory,
  noGrad,
  quantizeModel,
  resetPeakMemory,
  setBackend,
  tensor,
  type Tensor,
} from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM, loadWeightsFrom } from '../src/index.js';
import { dirSource, fromPretrained, savePretrained } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'peftjs-lean-'));
const config = new LlamaConfig({ vocabSize: 512, hiddenSize: 128, intermediateSize: 384, numHiddenLayers: 4, numAttentionHeads: 4 });
let modelBytes = 0;
let largest = 0;
let largestLinear = 0;
let want: Float32Array;
const ids = () => tensor([[1, 2, 3, 4]], { dtype: 'int32' });

function logits(model: LlamaForCausalLM): Float32Array {
  const inputIds = ids();
  const out = noGrad(() => model.forward({ inputIds }).logits);
  const v = Float32Array.from(out.dataSync());
  [out, inputIds].forEach((t: Tensor) => t.dispose());
  return v;
}

beforeAll(async () => {
  await setBackend('cpu');
  manualSeed(1);
  const model = new LlamaForCausalLM(config);
  for (const t of model.weightsToSave().values()) {
    modelBytes += t.size * 4;
    largest = Math.max(largest, t.size * 4);
  }
  for (const [name, t] of model.weightsToSave()) if (name.startsWith('model.layers.')) largestLinear = Math.max(largestLinear, t.size * 4);
  want = logits(model);
  await savePretrained(model, dir, { maxShardSize: modelBytes / 3 });
  model.dispose();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lean loading', () => {
  it('initEmptyWeights makes a model that holds no bytes and refuses to be read', async () => {
    const before = memory();
    const empty = initEmptyWeights(() => new LlamaForCausalLM(config));
    expect(memory().numBytes).toBe(before.numBytes);
    const w = empty.stateDict().get('lm_head.weight')!;
    expect(isMeta(w)).toBe(true);
    await expect(w.data()).rejects.toThrow(/meta tensor .* has no values; load its weights first/);
    empty.dispose();
  });

  it('fromPretrained allocates each weight once: the buffer high-water is the model size', async () => {
    resetPeakMemory();
    const base = memory().numBytes;
    const model = await fromPretrained<LlamaForCausalLM>(dir);
    const peak = memory().peakBytes - base;
    expect(peak).toBeLessThanOrEqual(modelBytes);
    expect(memory().numBytes - base).toBe(modelBytes);
    expect([...model.stateDict().values()].some(isMeta)).toBe(false);
    expect(logits(model)).toEqual(want);
    model.dispose();

    // the eager path (an initialised model, then every tensor read into a map) holds the model twice
    resetPeakMemory();
    const eager = new LlamaForCausalLM(config);
    await loadWeightsFrom(eager, { ...dirSource(dir), openTensors: undefined });
    expect(memory().peakBytes - base).toBeGreaterThanOrEqual(2 * modelBytes);
    eager.dispose();
  });

  it('a quantized load quantizes each Linear as it streams in: the high-water is the quantized model plus one float weight', async () => {
    for (const bits of [4, 8] as const) {
      resetPeakMemory();
      const base = memory().numBytes;
      const model = await fromPretrained<LlamaForCausalLM>(dir, { quantization: { bits } });
      const peak = memory().peakBytes - base;
      const quantizedBytes = memory().numBytes - base;
      const quantized = [...model.namedModules()].filter(([, m]) => m instanceof QuantizedLinear);
      expect(quantized.length).toBe(config.numHiddenLayers * 7);
      // the whole float model would be modelBytes; here it never exists
      expect(quantizedBytes).toBeLessThan(modelBytes / 2);
      expect(peak).toBeLessThanOrEqual(quantizedBytes + largestLinear);

      // the same model as a float load quantized afterwards, buffer for buffer
      const after = await fromPretrained<LlamaForCausalLM>(dir);
      await quantizeModel(after, { bits });
      const [got, want] = [model.stateDict(), after.stateDict()];
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [k, t] of want) expect(Array.from(got.get(k)!.dataSync()), k).toEqual(Array.from(t.dataSync()));
      model.dispose();
      after.dispose();
    }
  });

  it('quantizing while loading Linears with biases (Qwen2) and tied embeddings gives what quantizing after the load gives', async () => {
    const qwen = new Qwen2ForCausalLM(
      new Qwen2Config({
        vocabSize: 256,
        hiddenSize: 64,
        intermediateSize: 128,
        numHiddenLayers: 2,
        numAttentionHeads: 4,
        tieWordEmbeddings: true,
      }),
    );
    const qwenDir = mkdtempSync(join(tmpdir(), 'peftjs-lean-qwen-'));
    try {
      await savePretrained(qwen, qwenDir);
      const model = await fromPretrained<Qwen2ForCausalLM>(qwenDir, { quantization: { bits: 4 } });
      const after = await fromPretrained<Qwen2ForCausalLM>(qwenDir);
      await quantizeModel(after, { bits: 4 });
      const [got, want] = [model.stateDict(), after.stateDict()];
      expect([...got.keys()]).toEqual([...want.keys()]);
      expect(got.has('model.layers.0.self_attn.q_proj.bias')).toBe(true);
      expect(got.get('lm_head.weight')).toBe(got.get('model.embed_tokens.weight'));
      for (const [k, t] of want) expect(Array.from(got.get(k)!.dataSync()), k).toEqual(Array.from(t.dataSync()));
      model.dispose();
      after.dispose();
    } finally {
      qwen.dispose();
      rmSync(qwenDir, { recursive: true, force: true });
    }
  });

  it('loads in float64 when asked, straight from the float32 file', async () => {
    resetPeakMemory();
    const base = memory().numBytes;
    const model = await fromPretrained<LlamaForCausalLM>(dir, { dtype: 'float64' });
    expect(model.stateDict().get('model.norm.weight')!.dtype).toBe('float64');
    // each float32 tensor is widened once on the way in: at most one float32 copy besides the float64 model
    expect(memory().peakBytes - base).toBeLessThanOrEqual(2 * modelBytes + largest);
    model.dispose();
  });

  it('a checkpoint that does not fit fails before any tensor is read, and frees the model', async () => {
    const other = new Qwen2ForCausalLM(
      new Qwen2Config({ vocabSize: 512, hiddenSize: 128, intermediateSize: 384, numHiddenLayers: 4, numAttentionHeads: 4 }),
    );
    const otherDir = mkdtempSync(join(tmpdir(), 'peftjs-lean-other-'));
    try {
      await savePretrained(other, otherDir);
      // a Llama config over Qwen2 weights: the q/k/v biases are unexpected
      writeFileSync(join(otherDir, 'config.json'), JSON.stringify(config.toJSON('LlamaForCausalLM')));
      const before = memory();
      await expect(fromPretrained(otherDir)).rejects.toThrow(
        /LlamaForCausalLM: cannot load the checkpoint: loadStateDict: missing keys \[\]; unexpected keys \[.*model\.layers\.0\.self_attn\.q_proj\.bias/,
      );
      expect([memory().numDataBuffers, memory().numBytes]).toEqual([before.numDataBuffers, before.numBytes]);
    } finally {
      other.dispose();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
