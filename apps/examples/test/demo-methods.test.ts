import { beforeAll, describe, expect, it } from 'vitest';
import { memory, setBackend } from '@peftjs/core';
import { registeredPeftTypes } from '@peftjs/methods';
import '@peftjs/backend-cpu';
import { GPT2Config, GPT2ForSequenceClassification } from '@peftjs/models';
import { applyMethod, methodAvailability, methodNames, methodSetup } from '../src/demo/methods.js';

const config = new GPT2Config({ vocabSize: 257, nPositions: 16, nEmbd: 32, nLayer: 2, nHead: 2, padTokenId: 256 });

describe('demo methods', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('offers every registered method by its peft_type in lower case, and dora with LoRA', () => {
    const names = methodNames();
    for (const type of registeredPeftTypes()) expect(names).toContain(type.toLowerCase());
    expect(names).toContain('dora');
    expect([...names].sort()).toEqual(names);
  });

  it("configures LoRA for GPT-2 classification: Conv1D targets, fan-in-fan-out, the score head saved, PEFT's names", () => {
    const setup = methodSetup('lora', 'byte-gpt2');
    expect(setup.label).toBe('LoRA');
    expect(setup.config.toJSON()).toMatchObject({
      peft_type: 'LORA',
      task_type: 'SEQ_CLS',
      r: 8,
      lora_alpha: 16,
      fan_in_fan_out: true,
      target_modules: ['c_attn', 'c_proj', 'c_fc'],
      modules_to_save: ['score'],
      base_model_name_or_path: 'byte-gpt2',
    });
    expect(() => methodSetup('nope')).toThrow(/no PEFT method "NOPE" is registered/);
  });

  it('wraps a classifier so that only the adapter and the score copy train', () => {
    const model = new GPT2ForSequenceClassification(config);
    const peft = applyMethod(model, methodSetup('lora'));
    const trainable = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(trainable.length).toBeGreaterThan(0);
    expect(trainable.every((n) => /lora_[AB]\.default\.weight$|score\.modules_to_save\.default\.weight$/.test(n))).toBe(true);
    expect(trainable.filter((n) => n.includes('lora_A'))).toHaveLength(2 * 4);
    peft.dispose();
  });

  it('sorts every method into usable or not for this model, with the reason, leaking nothing', () => {
    const before = memory().numTensors;
    const { usable, unusable } = methodAvailability(config);
    expect(memory().numTensors).toBe(before);
    expect(usable).toContain('lora');
    expect([...usable, ...Object.keys(unusable)].sort()).toEqual(methodNames());
    for (const reason of Object.values(unusable)) expect(reason).toMatch(/^demo: --method \S+/);
  });
});
