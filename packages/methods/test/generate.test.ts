import '@peftjs/backend-cpu';
import { manualSeed, memory, setBackend, tensor, type Module, type Tensor } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, generate, type GenerationOptions } from '@peftjs/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomizeTrainable } from './helpers/models.js';
import { AdaptionPromptConfig, LoraConfig, PrefixTuningConfig, PromptTuningConfig, getPeftModel, type PeftModel } from '../src/index.js';

const llama = () =>
  new LlamaForCausalLM(
    new LlamaConfig({
      vocabSize: 24,
      hiddenSize: 16,
      intermediateSize: 24,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      maxPositionEmbeddings: 64,
      padTokenId: 0,
      eosTokenId: 2,
    }),
  );
const gpt2 = () =>
  new GPT2LMHeadModel(
    new GPT2Config({
      vocabSize: 24,
      nPositions: 64,
      nEmbd: 16,
      nLayer: 2,
      nHead: 4,
      embdPdrop: 0,
      residPdrop: 0,
      attnPdrop: 0,
      eosTokenId: 2,
    }),
  );

const PROMPTS = [
  [5, 9, 3, 11, 7],
  [8, 4, 13],
];
/** Left-padded with pad 0 and the mask. */
function padded(rows: number[][]): { inputIds: Tensor; attentionMask: Tensor } {
  const width = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...Array<number>(width - r.length).fill(0), ...r]);
  const mask = rows.map((r) => [...Array<number>(width - r.length).fill(0), ...r.map(() => 1)]);
  return { inputIds: tensor(ids, { dtype: 'int32' }), attentionMask: tensor(mask, { dtype: 'int32' }) };
}

async function newTokens(model: Module, rows: number[][], options: GenerationOptions): Promise<number[][]> {
  const inputs = padded(rows);
  const out = await generate(model, inputs, { maxNewTokens: 8, eosTokenId: null, padTokenId: 0, ...options });
  out.sequences.dispose();
  inputs.inputIds.dispose();
  inputs.attentionMask.dispose();
  return out.sequenceIds.map((r) => r.slice(inputs.inputIds.shape[1]));
}

type Variant = { name: string; make: () => Module; promptLearning?: boolean };
const VARIANTS: Variant[] = [
  { name: 'GPT-2', make: gpt2 },
  { name: 'Llama', make: llama },
  { name: 'GPT-2 + LoRA', make: () => peft(gpt2(), new LoraConfig({ r: 4, targetModules: ['c_attn', 'c_proj'], fanInFanOut: true })) },
  { name: 'Llama + LoRA', make: () => peft(llama(), new LoraConfig({ r: 4, targetModules: ['q_proj', 'v_proj', 'down_proj'] })) },
  { name: 'Llama + prompt tuning', make: () => peft(llama(), new PromptTuningConfig({ numVirtualTokens: 3 })), promptLearning: true },
  { name: 'GPT-2 + prefix tuning', make: () => peft(gpt2(), new PrefixTuningConfig({ numVirtualTokens: 3 })), promptLearning: true },
  { name: 'Llama + prefix tuning', make: () => peft(llama(), new PrefixTuningConfig({ numVirtualTokens: 3 })), promptLearning: true },
  { name: 'Llama + adaption prompt', make: () => peft(llama(), new AdaptionPromptConfig({ adapterLen: 3, adapterLayers: 2 })) },
  { name: 'GPT-2 + adaption prompt', make: () => peft(gpt2(), new AdaptionPromptConfig({ adapterLen: 3, adapterLayers: 2 })) },
];

/** Records how many positions each forward of the underlying base model runs over. */
function spyWidths(model: Module): number[] {
  const base = ((model as unknown as Partial<PeftModel>).baseModel ?? model) as unknown as {
    forward: (x: { inputIds?: Tensor; inputsEmbeds?: Tensor }) => unknown;
  };
  const widths: number[] = [];
  const original = base.forward.bind(base);
  base.forward = (x) => {
    widths.push((x.inputIds ?? x.inputsEmbeds)!.shape[1]);
    return original(x);
  };
  return widths;
}

function peft(base: Module, config: Parameters<typeof getPeftModel>[1]): PeftModel {
  const p = getPeftModel(base, config);
  randomizeTrainable(p);
  return p.eval();
}

describe('generate through PEFT models', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  for (const v of VARIANTS) {
    it(`${v.name}: cached greedy equals uncached greedy token for token${v.promptLearning ? '' : ', and each left-padded row equals its prompt alone'}`, async () => {
      manualSeed(7);
      const model = v.make().eval();
      const before = memory().numTensors;
      const widths = spyWidths(model);
      const cached = await newTokens(model, PROMPTS, {});
      // after the prompt (with its virtual tokens), each step runs the base model over one position
      expect(widths.slice(1)).toEqual(Array(7).fill(1));
      widths.length = 0;
      const uncached = await newTokens(model, PROMPTS, { useCache: false });
      expect(cached).toEqual(uncached);
      if (!v.promptLearning) {
        for (let i = 0; i < PROMPTS.length; i++) expect(await newTokens(model, [PROMPTS[i]], {})).toEqual([cached[i]]);
      } else {
        // unpadded rows match on their own (PEFT drops position ids for prompt learning, so padded rows shift)
        expect(await newTokens(model, [PROMPTS[0]], {})).toEqual([cached[0]]);
      }
      expect(memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('an adapter changes the tokens; disableAdapter gives the base model; merging keeps them', async () => {
    manualSeed(3);
    const base = llama().eval();
    const plain = await newTokens(base, PROMPTS, {});
    const model = peft(base, new LoraConfig({ r: 4, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'up_proj'] }));
    const adapted = await newTokens(model, PROMPTS, {});
    expect(adapted).not.toEqual(plain);
    expect(await model.disableAdapter(() => newTokens(model, PROMPTS, {}))).toEqual(plain);
    const merged = await model.mergeAndUnload();
    expect(await newTokens(merged, PROMPTS, {})).toEqual(adapted);
    merged.dispose();
  });

  it('several adapters per sample: each row as with that adapter alone', async () => {
    manualSeed(4);
    const model = getPeftModel(gpt2(), new LoraConfig({ r: 4, targetModules: ['c_attn'], fanInFanOut: true }), 'a');
    model.addAdapter('b', new LoraConfig({ r: 4, targetModules: ['c_attn'], fanInFanOut: true }));
    randomizeTrainable(model);
    model.eval();
    const rows = [PROMPTS[0], PROMPTS[1], PROMPTS[0]];
    const mixed = await newTokens(model, rows, { adapterNames: ['a', 'b', '__base__'] });
    model.setAdapter('a');
    expect(await newTokens(model, [rows[0]], {})).toEqual([mixed[0]]);
    model.setAdapter('b');
    expect(await newTokens(model, [rows[1]], {})).toEqual([mixed[1]]);
    expect(await model.disableAdapter(() => newTokens(model, [rows[2]], {}))).toEqual([mixed[2]]);
    const beams = await generate(model, padded(rows), {
      maxNewTokens: 4,
      numBeams: 2,
      eosTokenId: null,
      padTokenId: 0,
      adapterNames: ['a', 'b', '__base__'],
    });
    expect(beams.sequenceIds).toHaveLength(3);
    model.dispose();
  });

  it('PeftModel.generate is generate(peft, ...)', async () => {
    manualSeed(5);
    const model = peft(gpt2(), new LoraConfig({ r: 2, targetModules: ['c_attn'], fanInFanOut: true }));
    const inputs = padded([PROMPTS[0]]);
    const a = await model.generate(inputs, { maxNewTokens: 5 });
    const b = await generate(model, inputs, { maxNewTokens: 5 });
    expect(a.sequenceIds).toEqual(b.sequenceIds);
    model.dispose();
  });
});
