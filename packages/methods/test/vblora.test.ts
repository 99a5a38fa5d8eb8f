import { Linear, Module, manualSeed, memory, tensor, tidy, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { VBLoRAConfig, getPeftModel, parseAdapterFiles, peftModelFromFiles, saveAdapterFiles, topkMix } from '../src/index.js';
import { maxAbsDiff, useCpuBackend } from './cpu.js';
import { goldenCases } from './golden.js';

goldenCases(/vblora/);

class Net extends Module {
  constructor() {
    super();
    this.registerModule('fc', new Linear(8, 4));
    this.registerModule('out', new Linear(4, 8));
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.child<Linear>('out').forward(this.child<Linear>('fc').forward(x)));
  }
}

describe('VB-LoRA', () => {
  useCpuBackend();

  it('config: PEFT 0.18.1 defaults; errors name the field', () => {
    expect(new VBLoRAConfig({}).toJSON()).toMatchObject({
      r: 4,
      num_vectors: 256,
      vector_length: 256,
      topk: 2,
      save_only_topk_weights: false,
      init_vector_bank_bound: 0.02,
      init_logits_std: 0.1,
      bias: 'none',
    });
    expect(() => new VBLoRAConfig({ topk: 3, numVectors: 2 })).toThrow(/topk \(3\) cannot exceed numVectors/);
    expect(() => new VBLoRAConfig({ vectorLength: 0 })).toThrow(/vectorLength must be >= 1/);
    expect(() => new VBLoRAConfig({ bias: 'all' })).toThrow(/bias is not supported by peft.js/);
    expect(() => getPeftModel(new Net(), new VBLoRAConfig({ targetModules: ['fc'], vectorLength: 3, numVectors: 4 }))).toThrow(
      /8 in features, not a multiple of vectorLength/,
    );
  });

  it('mixes the top-k bank vectors by a softmax over their logits (hand-checked)', async () => {
    const logits = tensor([[0.5, 2, -1, 1]]);
    const bank = tensor([
      [1, 0],
      [0, 1],
      [5, 5],
      [2, 2],
    ]);
    const mixed = topkMix(logits, bank, 2);
    // top-2: index 1 (logit 2) and index 3 (logit 1): weights e²/(e² + e) and e/(e² + e)
    const w1 = Math.exp(2) / (Math.exp(2) + Math.exp(1));
    const got = await mixed.data();
    expect(got[0]).toBeCloseTo((1 - w1) * 2, 6);
    expect(got[1]).toBeCloseTo(w1 + (1 - w1) * 2, 6);
    for (const t of [logits, bank, mixed]) t.dispose();
  });

  it('save_only_topk_weights saves indices and k−1 weights per sub-vector, and loads back to the same output', async () => {
    manualSeed(9);
    const peft = getPeftModel(
      new Net(),
      new VBLoRAConfig({ targetModules: ['fc', 'out'], r: 2, numVectors: 6, vectorLength: 2, topk: 3, saveOnlyTopkWeights: true }),
    );
    const before = memory().numTensors;
    const files = await saveAdapterFiles(peft);
    expect(memory().numTensors).toBe(before);
    const { state } = parseAdapterFiles(files);
    const shapes = Object.fromEntries([...state].map(([k, t]) => [k, `${t.dtype} ${JSON.stringify(t.shape)}`]));
    expect(shapes).toEqual({
      'base_model.model.fc.vblora_logits_A_topk_indices': 'int32 [2,4,3]',
      'base_model.model.fc.vblora_logits_A_topk_weights': 'float32 [2,4,2]',
      'base_model.model.fc.vblora_logits_B_topk_indices': 'int32 [2,2,3]',
      'base_model.model.fc.vblora_logits_B_topk_weights': 'float32 [2,2,2]',
      'base_model.model.out.vblora_logits_A_topk_indices': 'int32 [2,2,3]',
      'base_model.model.out.vblora_logits_A_topk_weights': 'float32 [2,2,2]',
      'base_model.model.out.vblora_logits_B_topk_indices': 'int32 [4,2,3]',
      'base_model.model.out.vblora_logits_B_topk_weights': 'float32 [4,2,2]',
      'base_model.vblora_vector_bank': 'float32 [6,2]',
    });
    for (const t of state.values()) t.dispose();
    const x = tensor(
      Array.from({ length: 16 }, (_, i) => Math.sin(i)),
      { shape: [2, 8] },
    );
    const want = peft.eval().forward(x) as Tensor;
    const fresh = new Net();
    fresh.loadStateDict(
      new Map(
        [...peft.getBaseModel().stateDict()].filter(([k]) => !k.includes('vblora')).map(([k, t]) => [k.replace('.base_layer', ''), t]),
      ),
    );
    const loaded = peftModelFromFiles(fresh, files);
    const got = loaded.forward(x) as Tensor;
    expect(await maxAbsDiff(got, want)).toBeLessThan(1e-6);
    for (const t of [x, want, got]) t.dispose();
    loaded.dispose();
    peft.dispose();
  });

  it("the bank trains with its adapter only, under its first layer's name as in PEFT", () => {
    const peft = getPeftModel(new Net(), new VBLoRAConfig({ targetModules: ['fc'], numVectors: 4, vectorLength: 2 }));
    peft.addAdapter('two', new VBLoRAConfig({ targetModules: ['out'], numVectors: 4, vectorLength: 2 }));
    const trainable = () =>
      [...peft.namedParameters()]
        .filter(([, p]) => p.requiresGrad)
        .map(([n]) => n)
        .sort();
    expect(trainable()).toEqual([
      'base_model.model.fc.vblora_logits_A.default',
      'base_model.model.fc.vblora_logits_B.default',
      'base_model.model.fc.vblora_vector_bank.default',
    ]);
    peft.setAdapter('two');
    expect(trainable()).toEqual([
      'base_model.model.fc.vblora_vector_bank.two',
      'base_model.model.out.vblora_logits_A.two',
      'base_model.model.out.vblora_logits_B.two',
    ]);
    peft.deleteAdapter('two');
    expect([...peft.stateDict().keys()].some((k) => k.endsWith('.two'))).toBe(false);
    peft.dispose();
  });
});
