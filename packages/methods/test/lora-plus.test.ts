import '@peftjs/backend-cpu';
import { SGD, dispose, manualSeed, randn, setBackend, sum, tidy, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LORAPLUS_GROUP_NAMES,
  LoraConfig,
  createLoraplusOptimizer,
  getPeftModel,
  loraplusParamGroups,
  type LoraLayer,
} from '../src/index.js';
import { EmbedNet, TinyNet } from './helpers/models.js';
import { maxAbsDiff, setValues, values } from './helpers/numeric.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const byName = (groups: ReturnType<typeof loraplusParamGroups>) =>
  Object.fromEntries(groups.map((g) => [g.name, { names: g.paramNames, ...g.options }]));

describe('LoRA+', () => {
  it("splits the trainable tensors into PEFT's four groups with their learning rates and weight decay", () => {
    const dora = getPeftModel(new TinyNet(), new LoraConfig({ r: 2, targetModules: ['q_proj'], useDora: true, modulesToSave: ['norm'] }));
    const groups = loraplusParamGroups(dora, { lr: 1e-3, weightDecay: 0.1 });
    expect(groups.map((g) => g.name)).toEqual([...LORAPLUS_GROUP_NAMES]);
    expect(byName(groups)).toEqual({
      groupA: { names: ['base_model.model.q_proj.lora_A.default.weight'], lr: 1e-3, weightDecay: 0.1 },
      embedding: { names: [], lr: 1e-6, weightDecay: 0.1 },
      groupB: {
        names: ['base_model.model.q_proj.lora_B.default.weight', 'base_model.model.q_proj.lora_magnitude_vector.default.weight'],
        lr: 1.6e-2,
        weightDecay: 0.1,
      },
      groupB_no_decay: {
        names: ['base_model.model.norm.modules_to_save.default.weight', 'base_model.model.norm.modules_to_save.default.bias'],
        lr: 1.6e-2,
        weightDecay: 0,
      },
    });
    dora.dispose();

    const withBias = getPeftModel(new TinyNet(), new LoraConfig({ r: 2, targetModules: ['v_proj'], loraBias: true }));
    const g2 = byName(loraplusParamGroups(withBias, { lr: 2e-4, loraplusLrRatio: 4 }));
    expect(g2.groupB).toEqual({ names: ['base_model.model.v_proj.lora_B.default.weight'], lr: 8e-4, weightDecay: 0 });
    expect(g2.groupB_no_decay!.names).toEqual(['base_model.model.v_proj.lora_B.default.bias']);
    withBias.dispose();

    const embed = getPeftModel(new EmbedNet(), new LoraConfig({ r: 2, targetModules: ['embed', 'head'] }));
    const g3 = byName(loraplusParamGroups(embed, { lr: 1e-3, loraplusLrEmbedding: 5e-5 }));
    expect(g3.embedding).toEqual({
      names: ['base_model.model.embed.lora_embedding_A.default', 'base_model.model.embed.lora_embedding_B.default'],
      lr: 5e-5,
      weightDecay: 0,
    });
    expect(g3.groupA!.names).toEqual(['base_model.model.head.lora_A.default.weight']);
    expect(g3.groupB!.names).toEqual(['base_model.model.head.lora_B.default.weight']);
    embed.dispose();
    const plain = getPeftModel(new TinyNet(), new LoraConfig({ targetModules: ['q_proj'] }));
    expect(() => loraplusParamGroups(plain, { lr: -1 })).toThrow(/lr must be a finite non-negative number/);
    plain.dispose();
  });

  it('one AdamW step moves B with lr × ratio and A with lr (hand-computed first Adam step with decoupled decay)', async () => {
    manualSeed(1);
    const peft = getPeftModel(new TinyNet(), new LoraConfig({ r: 2, targetModules: ['q_proj'] }));
    const layer = peft.getBaseModel().getSubmodule('q_proj') as LoraLayer;
    const A = layer.loraA.at('default').weight;
    const B = layer.loraB.at('default').weight;
    setValues(
      B,
      (await values(B)).map((_, i) => 0.05 * Math.cos(i)),
    );
    const x = randn([2, 3, 16]);
    const loss = tidy(() => sum((peft.forward(x) as Tensor).square()));
    loss.backward();
    const [a0, b0, ga, gb] = [await values(A), await values(B), await values(A.grad!), await values(B.grad!)];
    const lr = 1e-3;
    const wd = 0.05;
    const eps = 1e-8;
    const optimizer = createLoraplusOptimizer(peft, { lr, weightDecay: wd });
    expect(optimizer.paramGroups.map((g) => g.options.lr)).toEqual([lr, 1e-6, lr * 16, lr * 16]);
    optimizer.step();
    // first step: m̂ = g, v̂ = g², so p ← p·(1 − lr·wd) − lr·g / (|g| + eps)
    const step = (p: Float64Array, g: Float64Array, rate: number) =>
      p.map((v, i) => v * (1 - rate * wd) - (rate * g[i]!) / (Math.abs(g[i]!) + eps));
    expect(maxAbsDiff(await values(A), step(a0, ga, lr))).toBeLessThan(1e-7);
    expect(maxAbsDiff(await values(B), step(b0, gb, lr * 16))).toBeLessThan(1e-7);
    // B moved 16 times as far as it would with lr (where its gradient is not tiny)
    const moved = (await values(B)).map((v, i) => Math.abs(v - b0[i]! * (1 - 16 * lr * wd)));
    expect(Math.max(...moved)).toBeGreaterThan(15 * lr);
    optimizer.dispose();
    for (const p of peft.parameters()) p.grad = null;
    dispose([loss, x]);
    peft.dispose();
  });

  it('takes another optimizer through a factory', () => {
    const peft = getPeftModel(new TinyNet(), new LoraConfig({ r: 2, targetModules: ['q_proj'] }));
    const sgd = createLoraplusOptimizer(peft, { lr: 0.1, loraplusLrRatio: 2, optimizer: (groups) => new SGD(groups, { lr: 0.1 }) });
    expect(sgd).toBeInstanceOf(SGD);
    expect(sgd.paramGroups.map((g) => [g.params.length, g.options.lr])).toEqual([
      [1, 0.1],
      [0, 1e-6],
      [1, 0.2],
      [0, 0.2],
    ]);
    peft.dispose();
  });
});
