// The paths a new user hits first: the README's Sequential, a module written PyTorch-style, and
// GPT-2's Conv1D targeted without fanInFanOut.
import { AdamW, Conv1D, Lambda, Linear, Module, Sequential, manualSeed, mseLoss, randn, relu, tidy, type Tensor } from '@peftjs/core';
import { GPT2Config, GPT2LMHeadModel } from '@peftjs/models';
import { describe, expect, it, vi } from 'vitest';
import { IA3Config, LoraConfig, LoraLayer, getPeftModel, type PeftModel } from '../src/index.js';
import { useCpuBackend } from './unit.js';

class FieldNet extends Module {
  fc1 = new Linear(4, 8);
  fc2 = new Linear(8, 2);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.fc1.forward(x)));
  }
}

/** A few AdamW steps on the trainable parameters; the first and last losses. */
async function train(peft: PeftModel<Module & { forward(x: Tensor): Tensor }>, steps = 10): Promise<[number, number]> {
  const x = randn([16, 4]);
  const y = randn([16, 2]);
  const opt = new AdamW(peft.trainableParameters(), { lr: 0.05 });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const loss = tidy(() => mseLoss(peft.forward(x), y));
    losses.push(await loss.item());
    loss.backward();
    opt.step();
    opt.zeroGrad();
    loss.dispose();
  }
  opt.dispose?.();
  x.dispose();
  y.dispose();
  return [losses[0]!, losses.at(-1)!];
}

describe('getPeftModel on the models users write', () => {
  useCpuBackend();

  for (const [name, make, targets] of [
    ['Sequential(Linear, Lambda(relu), Linear)', () => new Sequential(new Linear(4, 8), new Lambda(relu), new Linear(8, 2)), ['0', '2']],
    ['a module with PyTorch-style fields', () => new FieldNet(), ['fc1', 'fc2']],
  ] as const) {
    it(`${name}: the LoRA layers run in forward and train`, async () => {
      manualSeed(3);
      const peft = getPeftModel(make(), new LoraConfig({ r: 2, targetModules: [...targets] }));
      expect(peft.trainableParameters().length).toBe(4);
      for (const t of targets) expect(peft.getBaseModel().getSubmodule(t)).toBeInstanceOf(LoraLayer);
      const [first, last] = await train(peft);
      expect(last).toBeLessThan(first * 0.9);
      peft.dispose();
    });
  }
});

describe('fanInFanOut on GPT-2 Conv1D targets', () => {
  useCpuBackend();
  const gpt2 = () => new GPT2LMHeadModel(new GPT2Config({ vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2 }));

  it('is switched on with a warning when the config leaves it off, as PEFT does', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = gpt2();
    expect(model.getSubmodule('transformer.h.0.attn.c_attn')).toBeInstanceOf(Conv1D);
    const peft = getPeftModel(model, new LoraConfig({ targetModules: ['c_attn'] }));
    expect((peft.peftConfig.default as LoraConfig).fanInFanOut).toBe(true);
    expect(peft.peftConfig.default!.toJSON().fan_in_fan_out).toBe(true);
    expect(warn).toHaveBeenCalledWith(
      "LORA: fanInFanOut (fan_in_fan_out) is false, but the target module 'transformer.h.0.attn.c_attn' is a Conv1D; setting fanInFanOut to true",
    );
    warn.mockRestore();
    peft.dispose();
  });

  it('is switched off with a warning on Linear targets, and left alone when it is right', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const linear = getPeftModel(new FieldNet(), new IA3Config({ targetModules: ['fc1'], feedforwardModules: [], fanInFanOut: true }));
    expect((linear.peftConfig.default as IA3Config).fanInFanOut).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    const right = getPeftModel(gpt2(), new LoraConfig({ targetModules: ['c_attn'], fanInFanOut: true }));
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
    linear.dispose();
    right.dispose();
  });
});
