import { memory } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel, getParameterBudget, setParameterBudget } from '@peftjs/models';
import { afterEach, describe, expect, it } from 'vitest';
import { LoraConfig, getPeftModel } from '../../src/index.js';
import { useCpuBackend } from '../unit.js';
import { expectUnchanged, fingerprint } from './fingerprint.js';

const tinyGpt2 = () => new GPT2LMHeadModel(new GPT2Config({ vocabSize: 13, nPositions: 8, nEmbd: 8, nLayer: 2, nHead: 2 }));

describe('LoRA ranks larger than a layer can hold are refused before anything is allocated', () => {
  useCpuBackend();
  const budget = getParameterBudget();
  afterEach(() => setParameterBudget(budget));

  const cases: [string, ConstructorParameters<typeof LoraConfig>[0], RegExp][] = [
    [
      'r 1e9',
      { r: 1_000_000_000, targetModules: ['c_attn', 'c_proj'] },
      /getPeftModel \(LORA, adapter 'default'\): transformer\.h\.0\.attn\.c_attn\.lora_A \[1000000000, 8\] would hold 8000000000 float32 values .* more than the cpu backend's largest buffer/,
    ],
    [
      'a rank_pattern that makes only the last layer too large',
      { r: 2, targetModules: ['c_attn'], rankPattern: { 'h.1.attn.c_attn': 500_000_000 } },
      /h\.1\.attn\.c_attn\.lora_A \[500000000, 8\] would hold/,
    ],
    [
      'r within each buffer but past the parameter budget',
      { r: 100_000, targetModules: ['c_fc'] },
      /the config implies \d+ parameters, more than the budget/,
    ],
  ];
  for (const [label, fields, message] of cases) {
    it(label, async () => {
      const model = tinyGpt2();
      const before = await fingerprint(model);
      const allocated = memory();
      setParameterBudget(1_000_000);
      expect(() => getPeftModel(model, new LoraConfig(fields))).toThrow(message);
      expect(memory().numTensors).toBe(allocated.numTensors);
      expect(memory().numBytes).toBe(allocated.numBytes);
      await expectUnchanged(model, before);
      model.dispose();
    });
  }

  it('ranks that fit still work', () => {
    const peft = getPeftModel(tinyGpt2(), new LoraConfig({ r: 64, targetModules: ['c_attn'] }));
    expect(peft.getNbTrainableParameters().trainable).toBe(2 * 64 * (8 + 24));
    peft.dispose();
  });
});
