import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { loadSafetensors, memory, readSafetensors, setBackend } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AutoModelForCausalLM,
  GPT2Config,
  GPT2LMHeadModel,
  GPT2Model,
  LlamaConfig,
  LlamaForCausalLM,
  loadPretrained,
  memorySource,
  type ModelOutput,
  type PreTrainedModelWith,
} from '../src/index.js';
import { AutoModelForCausalLM as AutoFromDir, fromPretrained, savePretrained } from '../src/node/index.js';

// The golden vectors committed with the conformance package (which depends on models, so the path is spelled out).
const GOLDEN = process.env.PEFTJS_GOLDEN_DIR ?? join(__dirname, '../../conformance/golden');
if (!existsSync(join(GOLDEN, 'peft'))) throw new Error(`golden: no peft/ cases in ${GOLDEN}`);
const caseDir = (name: string) => join(GOLDEN, 'peft', name);

function fromGolden(name: string) {
  const dir = caseDir(name);
  return memorySource({
    'config.json': readFileSync(join(dir, 'base_config.json'), 'utf8'),
    'model.safetensors': new Uint8Array(readFileSync(join(dir, 'base_model.safetensors'))),
  });
}

async function maxLogitError(model: PreTrainedModelWith<ModelOutput>, name: string): Promise<number> {
  const dir = caseDir(name);
  const inputs = loadSafetensors(readFileSync(join(dir, 'input.safetensors')));
  const want = loadSafetensors(readFileSync(join(dir, 'output.safetensors'))).get('out_base')!;
  const { logits } = model.eval().forward({ inputIds: inputs.get('input_ids'), attentionMask: inputs.get('attention_mask') });
  expect(logits.shape).toEqual(want.shape);
  const [g, w] = [await logits.data(), await want.data()];
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]));
  return worst;
}

describe('Hugging Face golden models', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const [name, Model] of [
    ['lora_llama', LlamaForCausalLM],
    ['lora_gpt2_conv1d', GPT2LMHeadModel],
  ] as const) {
    it(`${name}: logits match transformers to 1e-4, and the checkpoint round-trips names, shapes and dtypes`, async () => {
      const model = await AutoModelForCausalLM.fromPretrained(fromGolden(name));
      expect(model).toBeInstanceOf(Model);
      const err = await maxLogitError(model, name);
      console.log(`${name}: max abs logit error ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-4);

      const out = mkdtempSync(join(tmpdir(), 'models-'));
      await savePretrained(model, out);
      const entries = (file: string) => {
        const { tensors } = readSafetensors(readFileSync(file));
        return [...tensors].map(([k, t]) => [k, t.dtype, t.shape.join('x')].join(' ')).sort();
      };
      expect(entries(join(out, 'model.safetensors'))).toEqual(entries(join(caseDir(name), 'base_model.safetensors')));
      const reloaded = await AutoFromDir.fromPretrained(out);
      expect(await maxLogitError(reloaded, name)).toBe(err);
      model.dispose();
      reloaded.dispose();
    });
  }

  it('sharded checkpoints save with an index and load back', async () => {
    const model = await loadPretrained<LlamaForCausalLM>(fromGolden('lora_llama'));
    const out = mkdtempSync(join(tmpdir(), 'models-'));
    await savePretrained(model, out, { maxShardSize: 20_000 });
    const index = JSON.parse(readFileSync(join(out, 'model.safetensors.index.json'), 'utf8'));
    const shards = new Set(Object.values(index.weight_map));
    expect(shards.size).toBeGreaterThan(1);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    expect(index.metadata.total_size).toBe([...model.stateDict().values()].reduce((s, t) => s + 4 * t.size, 0));
    const reloaded = await fromPretrained<LlamaForCausalLM>(out);
    expect(reloaded).toBeInstanceOf(LlamaForCausalLM);
    expect(await maxLogitError(reloaded, 'lora_llama')).toBeLessThan(1e-4);
    model.dispose();
    reloaded.dispose();
  });

  it('a failed load (wrong shape, missing key) leaves the model as it was', async () => {
    const config = LlamaConfig.fromJSON(JSON.parse(readFileSync(join(caseDir('lora_llama'), 'base_config.json'), 'utf8')));
    const model = new LlamaForCausalLM(config);
    const before = [...(await model.stateDict().get('model.norm.weight')!.data())];
    const state = loadSafetensors(readFileSync(join(caseDir('lora_llama'), 'base_model.safetensors')));
    const wrong = new Map(state);
    wrong.delete('lm_head.weight');
    expect(() => model.loadWeights(wrong)).toThrow(
      'LlamaForCausalLM: cannot load the checkpoint: loadStateDict: missing keys [lm_head.weight]; unexpected keys []',
    );
    const small = new LlamaForCausalLM(new LlamaConfig({ ...config, hiddenSize: 16, headDim: 4, extra: {} }));
    expect(() => small.loadWeights(state)).toThrow(/model\.embed_tokens\.weight has shape \[64,32\], the module expects \[64,16\]/);
    expect([...(await model.stateDict().get('model.norm.weight')!.data())]).toEqual(before);
    for (const t of state.values()) t.dispose();
    model.dispose();
    small.dispose();
  });

  it('GPT-2 checkpoints with the old attn.bias / attn.masked_bias buffers load; a GPT2Model loads an LM checkpoint', async () => {
    const config = new GPT2Config({ vocabSize: 11, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 });
    const lm = new GPT2LMHeadModel(config);
    const state = new Map(lm.stateDict());
    const bias = lm.stateDict().get('transformer.h.0.ln_1.weight')!;
    state.set('transformer.h.0.attn.bias', bias);
    state.set('transformer.h.0.attn.masked_bias', bias);
    state.delete('lm_head.weight'); // tied: HF saves the embedding only
    const before = memory().numTensors;
    lm.loadWeights(state);
    expect(memory().numTensors).toBe(before);
    expect([...lm.weightsToSave().keys()]).not.toContain('lm_head.weight');
    expect([...lm.stateDict().keys()]).toContain('lm_head.weight');
    const base = new GPT2Model(config);
    base.loadWeights(state);
    expect(await base.wte.weight.data()).toEqual(await lm.transformer.wte.weight.data());
    lm.loadWeights(base.stateDict()); // and the other way round, prefix added
    lm.dispose();
    base.dispose();
  });
});
