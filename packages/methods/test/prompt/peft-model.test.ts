import '@peftjs/backend-cpu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memory, noGrad, setBackend, tidy, type Tensor } from '@peftjs/core';
import type { LlamaForCausalLM } from '@peftjs/models';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptionPromptConfig,
  PrefixTuningConfig,
  PromptEncoderConfig,
  PromptTuningConfig,
  configFromJSON,
  getPeftModel,
  parseAdapterFiles,
  peftModelFromFiles,
  saveAdapterFiles,
  type PeftModel,
} from '../../src/index.js';
import { caseDir, loadBase, readTensors, relError } from './golden.js';

const CASES = ['prompt_tuning', 'p_tuning', 'prefix_tuning', 'prefix_tuning_projection', 'adaption_prompt'];
const VOLATILE = new Set(['peft_version', 'auto_mapping', 'base_model_name_or_path', 'revision', 'inference_mode']);

/** The golden PEFT model: config from adapter_config.json (trainable), values from peft_state.safetensors. */
async function goldenPeft(name: string): Promise<{ base: LlamaForCausalLM; peft: PeftModel<LlamaForCausalLM> }> {
  const base = await loadBase<LlamaForCausalLM>(name);
  const json = JSON.parse(readFileSync(join(caseDir(name), 'adapter_config.json'), 'utf8'));
  const peft = getPeftModel(base, configFromJSON(json).with({ inferenceMode: false }));
  const state = readTensors(name, 'peft_state.safetensors');
  const { missingKeys } = peft.loadStateDict(state, { strict: false });
  expect(missingKeys).toEqual([]);
  for (const t of state.values()) t.dispose();
  return { base, peft };
}

function run(peft: PeftModel<LlamaForCausalLM>, inputs: Map<string, Tensor>): Tensor {
  return tidy(() => peft.forward({ inputIds: inputs.get('input_ids'), attentionMask: inputs.get('attention_mask') }).logits);
}

describe('configs', () => {
  it("have every field of HF PEFT's, its defaults and checks", () => {
    expect(new PromptTuningConfig({ numVirtualTokens: 4 }).toJSON()).toEqual({
      auto_mapping: null,
      base_model_name_or_path: null,
      inference_mode: false,
      modules_to_save: null,
      num_attention_heads: null,
      num_layers: null,
      num_transformer_submodules: null,
      num_virtual_tokens: 4,
      peft_type: 'PROMPT_TUNING',
      prompt_tuning_init: 'RANDOM',
      prompt_tuning_init_text: null,
      revision: null,
      task_type: null,
      token_dim: null,
      tokenizer_kwargs: null,
      tokenizer_name_or_path: null,
    });
    expect(new PromptEncoderConfig({ numVirtualTokens: 4 })).toMatchObject({
      encoderReparameterizationType: 'MLP',
      encoderHiddenSize: null,
      encoderNumLayers: 2,
      encoderDropout: 0,
    });
    expect(new PrefixTuningConfig({ numVirtualTokens: 4 })).toMatchObject({ encoderHiddenSize: null, prefixProjection: false });
    expect(new AdaptionPromptConfig({ adapterLen: 3, adapterLayers: 1 }).toJSON()).toMatchObject({
      adapter_len: 3,
      adapter_layers: 1,
      target_modules: null,
      peft_type: 'ADAPTION_PROMPT',
    });
    expect(() => new PromptTuningConfig({})).toThrow('PromptTuningConfig: numVirtualTokens (num_virtual_tokens) is required');
    expect(() => new PromptTuningConfig({ numVirtualTokens: 4, promptTuningInit: 'TEXT' })).toThrow(
      "PromptTuningConfig: promptTuningInit 'TEXT' needs tokenizerNameOrPath",
    );
    expect(() => new PromptEncoderConfig({ numVirtualTokens: 4, encoderReparameterizationType: 'GRU' as never })).toThrow(
      'PromptEncoderConfig: encoderReparameterizationType must be one of "MLP", "LSTM", got "GRU"',
    );
    expect(() => new PrefixTuningConfig({ numVirtualTokens: 4, taskType: 'SEQ_2_SEQ_LM' } as never)).toThrow(
      'PrefixTuningConfig: taskType SEQ_2_SEQ_LM is not supported yet',
    );
    expect(() => new AdaptionPromptConfig({ adapterLen: 3 })).toThrow('AdaptionPromptConfig: adapterLayers (adapter_layers) is required');
  });
});

describe('getPeftModel with the prompt-learning methods matches HF PEFT 0.18.1', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const name of CASES) {
    it(`${name}: output, gradients keyed like PEFT's, disabled adapter, saved files, reload`, async () => {
      const { peft } = await goldenPeft(name);
      const inputs = readTensors(name, 'input.safetensors');
      const outputs = readTensors(name, 'output.safetensors');
      const grads = readTensors(name, 'grads.safetensors');
      const before = memory().numTensors;
      const logits = run(peft, inputs);
      expect(await relError(logits, outputs.get('out')!)).toBeLessThan(1e-4);
      tidy(() => logits.square().sum().backward());
      const trainable = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad);
      expect(trainable.map(([n]) => n).sort()).toEqual([...grads.keys()].filter((k) => !k.endsWith('.f64')).sort());
      for (const [n, p] of trainable) expect(await relError(p.grad!, grads.get(n)!), n).toBeLessThan(1e-4);
      const disabled = noGrad(() => peft.disableAdapter(() => run(peft, inputs)));
      expect(await relError(disabled, outputs.get('out_base')!)).toBeLessThan(1e-4);
      const again = noGrad(() => run(peft, inputs));
      expect(await relError(again, outputs.get('out')!)).toBeLessThan(1e-4);
      for (const t of [logits, disabled, again]) t.dispose();
      for (const [, p] of trainable) {
        p.grad?.dispose();
        p.grad = null;
      }
      expect(memory().numTensors).toBe(before);

      const files = await saveAdapterFiles(peft);
      expect(memory().numTensors).toBe(before);
      const saved = parseAdapterFiles(files);
      const golden = readTensors(name, 'adapter_model.safetensors');
      expect([...saved.state.keys()].sort()).toEqual([...golden.keys()].sort());
      for (const [k, t] of golden) expect(await relError(saved.state.get(k)!, t), k).toBeLessThan(1e-5);
      const ours = JSON.parse(files.config) as Record<string, unknown>;
      const theirs = JSON.parse(readFileSync(join(caseDir(name), 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
      for (const k of new Set([...Object.keys(ours), ...Object.keys(theirs)])) if (!VOLATILE.has(k)) expect(ours[k], k).toEqual(theirs[k]);
      expect(ours.inference_mode).toBe(true);

      // PEFT's own files on a fresh base give PEFT's output, and nothing trains
      const reloaded = peftModelFromFiles(await loadBase<LlamaForCausalLM>(name), {
        config: readFileSync(join(caseDir(name), 'adapter_config.json'), 'utf8'),
        weights: readFileSync(join(caseDir(name), 'adapter_model.safetensors')),
      });
      const out = noGrad(() => run(reloaded.eval(), inputs));
      expect(await relError(out, outputs.get('out')!)).toBeLessThan(1e-4);
      expect(reloaded.getNbTrainableParameters().trainable).toBe(0);
      for (const t of [out, ...saved.state.values(), ...golden.values(), ...inputs.values(), ...outputs.values(), ...grads.values()])
        t.dispose();
      reloaded.dispose();
      peft.dispose();
    });
  }

  it('float64 (peft.to): output and gradients against the .f64 twins (which carry float32 rounding, see golden-modules)', async () => {
    for (const name of CASES) {
      const { peft } = await goldenPeft(name);
      peft.to('float64');
      const inputs = readTensors(name, 'input.safetensors');
      const outputs = readTensors(name, 'output.safetensors');
      const grads = readTensors(name, 'grads.safetensors');
      const logits = run(peft, inputs);
      expect(logits.dtype).toBe('float64');
      expect(await relError(logits, outputs.get('out_f64')!), name).toBeLessThan(5e-5);
      tidy(() => logits.square().sum().backward());
      for (const [n, p] of peft.namedParameters())
        if (p.requiresGrad) expect(await relError(p.grad!, grads.get(`${n}.f64`)!), n).toBeLessThan(5e-5);
      for (const t of [logits, ...inputs.values(), ...outputs.values(), ...grads.values()]) t.dispose();
      peft.dispose();
    }
  });

  it('a trainable P-tuning encoder refuses saved prompt_embeddings (they are its output); a second adaption prompt is refused', async () => {
    const name = 'p_tuning';
    const files = {
      config: readFileSync(join(caseDir(name), 'adapter_config.json'), 'utf8'),
      weights: readFileSync(join(caseDir(name), 'adapter_model.safetensors')),
    };
    const base = await loadBase(name);
    expect(() => peftModelFromFiles(base, files, { isTrainable: true })).toThrow("P_TUNING: prompt_embeddings holds the encoder's output");
    base.dispose();
    const { peft } = await goldenPeft('adaption_prompt');
    expect(() => peft.addAdapter('other', new AdaptionPromptConfig({ adapterLen: 2, adapterLayers: 1 }))).toThrow(
      "addAdapter: the model already has the adaption prompt adapter 'default'",
    );
    peft.deleteAdapter('default');
    expect(peft.getBaseModel().getSubmodule('model.layers.1.self_attn').constructor.name).toBe('MultiHeadAttention');
    peft.dispose();
  });
});
