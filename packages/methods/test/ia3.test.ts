import { Conv1D, Module, manualSeed, tensor, tidy, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { IA3Config, getPeftModel, isFeedforwardModule } from '../src/index.js';
import { maxAbsDiff, useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/ia3/);

describe('IA3Config', () => {
  it('has PEFT 0.18.1 fields and defaults, without layers_to_transform', () => {
    const json = new IA3Config({ targetModules: ['q'] }).toJSON();
    expect(json.init_ia3_weights).toBe(true);
    expect(json.feedforward_modules).toBeNull();
    expect('layers_to_transform' in json).toBe(false);
    expect(json.peft_type).toBe('IA3');
  });

  it('names the field when feedforward modules are not targeted', () => {
    expect(() => new IA3Config({ targetModules: ['q', 'v'], feedforwardModules: ['down'] })).toThrow(/feedforwardModules.*down/);
    expect(() => new IA3Config({ initIa3Weights: 1 as unknown as boolean })).toThrow(/initIa3Weights must be true or false/);
  });

  it('matches feed-forward modules as PEFT does (regex full match, or name ending)', () => {
    const list = new IA3Config({ targetModules: ['down_proj', 'q'], feedforwardModules: ['down_proj'] });
    expect(isFeedforwardModule(list, 'layers.0.mlp.down_proj')).toBe(true);
    expect(isFeedforwardModule(list, 'layers.0.q')).toBe(false);
    const regex = new IA3Config({ targetModules: '.*(q|fc)', feedforwardModules: '.*fc' });
    expect(isFeedforwardModule(regex, 'h.0.fc')).toBe(true);
    expect(isFeedforwardModule(regex, 'h.0.fc2')).toBe(false);
  });
});

describe('IA3 on GPT-2 Conv1D layers', () => {
  useCpuBackend();

  /** attn: Conv1D 6 → 8 (output scaled); mlp: Conv1D 8 → 6 (a feed-forward module: input scaled). */
  class Net extends Module {
    constructor() {
      super();
      this.registerModule('attn', new Conv1D(8, 6));
      this.registerModule('mlp', new Conv1D(6, 8));
    }
    forward(x: Tensor): Tensor {
      return tidy(() => this.child<Conv1D>('mlp').forward(this.child<Conv1D>('attn').forward(x)));
    }
  }

  it('merges [in, out] weights (and the output bias) like the forward, with two adapters multiplying', async () => {
    manualSeed(2);
    const config = (init: boolean) =>
      new IA3Config({ targetModules: ['attn', 'mlp'], feedforwardModules: ['mlp'], fanInFanOut: true, initIa3Weights: init });
    const peft = getPeftModel(new Net(), config(false));
    peft.addAdapter('two', config(false));
    peft.setAdapter(['default', 'two']);
    const x = tensor(
      Array.from({ length: 12 }, (_, i) => Math.sin(i)),
      { shape: [2, 6] },
    );
    const both = peft.forward(x) as Tensor;
    const base = peft.disableAdapter(() => peft.forward(x) as Tensor);
    expect(await maxAbsDiff(both, base)).toBeGreaterThan(1e-3);
    await peft.mergeAdapter();
    const merged = peft.forward(x) as Tensor;
    expect(await maxAbsDiff(merged, both)).toBeLessThan(1e-5);
    peft.unmergeAdapter();
    const unmerged = peft.disableAdapter(() => peft.forward(x) as Tensor);
    expect(await maxAbsDiff(unmerged, base)).toBeLessThan(1e-5);
    for (const t of [x, both, base, merged, unmerged]) t.dispose();
    peft.dispose();
  });
});
