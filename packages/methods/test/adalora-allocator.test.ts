import '@peftjs/backend-cpu';
import { AdamW, Module, dispose, manualSeed, memory, mseLoss, randn, setBackend, sum, tidy, type Tensor } from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaLoraConfig,
  AdaLoraLayer,
  RankAllocator,
  getPeftModel,
  getRankAllocator,
  orthogonalRegularization,
  parseAdapterFiles,
  peftModelFromFiles,
  saveAdapterFiles,
  updateAndAllocate,
  type PeftModel,
  type TunerModel,
} from '../src/index.js';
import { TinyNet } from './helpers/models.js';
import { maxAbsDiff, run, values } from './helpers/numeric.js';

beforeAll(async () => {
  await setBackend('cpu');
});

const TARGETS = ['q_proj', 'v_proj', 'up_proj'];
const config = (extra: Record<string, unknown> = {}) =>
  new AdaLoraConfig({
    initR: 6,
    targetR: 4,
    tinit: 2,
    tfinal: 2,
    deltaT: 1,
    totalStep: 10,
    loraAlpha: 8,
    targetModules: TARGETS,
    ...extra,
  });

/** A Hugging Face-style model: `forward({ x, labels })` gives `{ logits, loss }`. */
class WithLoss extends Module {
  constructor() {
    super();
    this.registerModule('net', new TinyNet());
  }
  forward({ x, labels }: { x: Tensor; labels?: Tensor }): { logits: Tensor; loss?: Tensor } {
    const logits = this.child<TinyNet>('net').forward(x);
    return labels ? { logits, loss: mseLoss(logits, labels) } : { logits };
  }
}

describe('AdaLoraConfig', () => {
  it('needs totalStep and a budgeting phase, refuses DoRA, and writes deltaT under its HF name', () => {
    expect(() => new AdaLoraConfig({ targetModules: ['q_proj'] })).toThrow(/totalStep \(total_step\) must be a positive integer/);
    expect(() => new AdaLoraConfig({ totalStep: 10, tinit: 8, tfinal: 2 })).toThrow(/tinit \(8\) must be < totalStep − tfinal/);
    expect(() => new AdaLoraConfig({ totalStep: 10, useDora: true })).toThrow(
      /useDora is not supported by peft.js \(AdaLoRA does not support DoRA\)/,
    );
    expect(() => new AdaLoraConfig({ totalStep: 10, beta1: 1 })).toThrow(/beta1 and beta2 must be in \(0, 1\)/);
    expect(() => new AdaLoraConfig({ totalStep: 10, rankPattern: { 'q_proj.lora_E': [1, 0] } as never })).toThrow(
      /rankPattern \(rank_pattern\) must be null or an object/,
    );
    const json = config().toJSON();
    expect(json.deltaT).toBe(1);
    expect(json.init_r).toBe(6);
    expect(json.rank_pattern).toBeNull();
    expect(json.peft_type).toBe('ADALORA');
  });
});

describe('AdaLoRA layer', () => {
  it("has PEFT's init (E = 0, A and B ~ N(0, 0.02)), ranknum = init_r that neither trains nor saves", async () => {
    manualSeed(1);
    const peft = getPeftModel(new TinyNet(), config());
    const layer = peft.getBaseModel().getSubmodule('up_proj') as AdaLoraLayer;
    expect(layer.loraA.at('default').shape).toEqual([6, 16]);
    expect(layer.loraB.at('default').shape).toEqual([32, 6]);
    expect(layer.loraE.at('default').shape).toEqual([6, 1]);
    expect(await values(layer.ranknum.at('default'))).toEqual(Float64Array.from([6]));
    expect(layer.ranknum.at('default').requiresGrad).toBe(false);
    expect(Math.max(...(await values(layer.loraE.at('default'))).map(Math.abs))).toBe(0);
    const a = await values(layer.loraA.at('default'));
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(std).toBeGreaterThan(0.012);
    expect(std).toBeLessThan(0.028);
    const { state } = parseAdapterFiles(await saveAdapterFiles(peft));
    expect([...state.keys()].some((k) => k.includes('ranknum'))).toBe(false);
    dispose([...state.values()]);
    peft.dispose();
  });

  it('a second trainable AdaLoRA adapter is refused (PEFT trains one)', () => {
    const peft = getPeftModel(new TinyNet(), config());
    expect(() => peft.addAdapter('other', config())).toThrow(/only one trainable adapter/);
    peft.addAdapter('frozen', config({ inferenceMode: true }));
    expect(Object.keys(peft.peftConfig)).toEqual(['default', 'frozen']);
    peft.dispose();
  });
});

describe('RankAllocator', () => {
  it("budget schedule equals PEFT's formula (hand-computed: 18 → 12 over steps 2..8, cubic)", () => {
    const peft = getPeftModel(new TinyNet(), config({ deltaT: 2 }));
    const allocator = getRankAllocator(peft);
    expect([allocator.initBudget, allocator.targetBudget]).toEqual([18, 12]);
    // b(t) = trunc((18 − 12)(1 − (t − 2)/6)³ + 12) for 2 < t <= 8; 18 before, 12 after
    // t=3: 6·(5/6)³ = 3.47 → 15; t=4: 6·(4/6)³ = 1.78 → 13; t=5: 6·(1/2)³ = 0.75 → 12
    const want = [
      [0, 18, false],
      [2, 18, false],
      [3, 15, false],
      [4, 13, true],
      [5, 12, false],
      [6, 12, true],
      [8, 12, true],
      [9, 12, true],
      [10, 12, true],
    ] as const;
    for (const [step, budget, mask] of want) expect(allocator.budgetSchedule(step), `step ${step}`).toEqual({ budget, maskInd: mask });
    peft.dispose();
  });

  it('asks for gradients when called before backward', async () => {
    const peft = getPeftModel(new TinyNet(), config());
    await expect(updateAndAllocate(peft, 0)).rejects.toThrow(
      /has no gradient; call updateAndAllocate after backward\(\) and before zeroGrad\(\)/,
    );
    getRankAllocator(peft).dispose();
    peft.dispose();
  });

  it('training with updateAndAllocate: kept triplets equal the budget at every mask step; saving cuts to the rank pattern; loading resizes', async () => {
    manualSeed(3);
    const start = memory().numTensors;
    const original = new TinyNet();
    const peft = getPeftModel(original.clone(), config());
    const x = randn([2, 5, 16]);
    const target = randn([2, 5, 16]);
    const optimizer = new AdamW(peft.trainableParameters(), { lr: 5e-2 });
    const allocator = getRankAllocator(peft);
    const budgets: number[] = [];
    for (let step = 0; step < 10; step++) {
      const loss = tidy(() => mseLoss(peft.forward(x) as Tensor, target));
      loss.backward();
      loss.dispose();
      optimizer.step();
      const result = await updateAndAllocate(peft, step);
      optimizer.zeroGrad();
      if (result?.rankPattern) {
        const kept = Object.values(result.rankPattern).flat().filter(Boolean).length;
        expect(kept, `step ${step}`).toBe(result.budget);
        budgets.push(result.budget);
        // the masked E entries are zero
        for (const [key, keep] of Object.entries(result.rankPattern)) {
          const layer = peft.getBaseModel().getSubmodule(key.replace('.lora_E', '')) as AdaLoraLayer;
          const e = await values(layer.loraE.at('default'));
          keep.forEach((k, i) => {
            if (!k) expect(Math.abs(e[i]!)).toBe(0);
          });
        }
      }
    }
    expect(budgets).toEqual([15, 13, 12, 12, 12, 12]);
    const pattern = (peft.peftConfig.default as AdaLoraConfig).rankPattern!;
    expect(Object.keys(pattern).sort()).toEqual(['q_proj.lora_E', 'up_proj.lora_E', 'v_proj.lora_E']);
    expect(Object.values(pattern).flat().filter(Boolean).length).toBe(12);

    peft.eval();
    const want = await run(peft, x);
    const files = await saveAdapterFiles(peft);
    const saved = parseAdapterFiles(files);
    for (const [key, keep] of Object.entries(pattern)) {
      const m = key.replace('.lora_E', '');
      const rank = keep.filter(Boolean).length;
      expect(saved.state.get(`base_model.model.${m}.lora_A`)!.shape[0]).toBe(rank);
      expect(saved.state.get(`base_model.model.${m}.lora_B`)!.shape[1]).toBe(rank);
      expect(saved.state.get(`base_model.model.${m}.lora_E`)!.shape).toEqual([rank, 1]);
    }
    expect((JSON.parse(files.config) as { rank_pattern: unknown }).rank_pattern).toEqual(pattern);
    dispose([...saved.state.values()]);

    const loaded = peftModelFromFiles(original.clone(), files, { isTrainable: true });
    const got = await run(loaded, x);
    const err = maxAbsDiff(got.values, want.values);
    console.log(`AdaLoRA reloaded at its learned ranks: max |Δ| ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-6);
    const trainable = loaded.getNbTrainableParameters().trainable;
    // (in + out + 1) per kept triplet
    const perTriplet = { q_proj: 33, v_proj: 33, up_proj: 49 } as Record<string, number>;
    expect(trainable).toBe(
      Object.entries(pattern).reduce((n, [k, keep]) => n + perTriplet[k.replace('.lora_E', '')]! * keep.filter(Boolean).length, 0),
    );
    // ranknum keeps the starting rank, so the scaling does not change
    expect(await values((loaded.getBaseModel().getSubmodule('q_proj') as AdaLoraLayer).ranknum.at('default'))).toEqual(
      Float64Array.from([6]),
    );
    loaded.dispose();
    optimizer.dispose();
    allocator.dispose();
    peft.dispose();
    original.dispose();
    dispose([x, target]);
    expect(memory().numTensors).toBe(start);
  });

  it('the allocator masks the lowest-scoring triplets (scores by hand from |θ·∇θ| EMAs)', async () => {
    manualSeed(4);
    const peft = getPeftModel(new TinyNet(), config({ tinit: 0, beta1: 0.5, beta2: 0.5 }));
    for (const [, p] of peft.namedParameters()) if (p.requiresGrad) tidy(() => p.assign(randn(p.shape)));
    const x = randn([2, 5, 16]);
    const loss = tidy(() => sum((peft.forward(x) as Tensor).square()));
    loss.backward();
    const allocator = new RankAllocator(peft.baseModel as TunerModel, 'default', () => peft.peftConfig.default as AdaLoraConfig);
    allocator.updateIpt();
    // one update from zero: Ī = (1 − β1)·I, Ū = (1 − β2)·|I − Ī| = (1 − β2)·β1·I, so Ī·Ū = 0.125·I²
    const scores = await allocator.tripletScores();
    for (const key of TARGETS) {
      const layer = peft.getBaseModel().getSubmodule(key) as AdaLoraLayer;
      const imp = async (t: Tensor) => {
        const [v, g] = [await values(t), await values(t.grad!)];
        return v.map((a, i) => 0.125 * (a * g[i]!) ** 2);
      };
      const [a, b, e] = [await imp(layer.loraA.at('default')), await imp(layer.loraB.at('default')), await imp(layer.loraE.at('default'))];
      const [r, inF] = layer.loraA.at('default').shape as [number, number];
      const out = layer.loraB.at('default').shape[0]!;
      const want = Array.from({ length: r }, (_, k) => {
        let sa = 0;
        for (let j = 0; j < inF; j++) sa += a[k * inF + j]!;
        let sb = 0;
        for (let i = 0; i < out; i++) sb += b[i * r + k]!;
        return e[k]! + sa / inF + sb / out;
      });
      const got = scores.get(key)!;
      want.forEach((w, k) => expect(Math.abs(got[k]! - w) / Math.max(1e-12, Math.abs(w))).toBeLessThan(1e-4));
    }
    const all = [...scores.values()].flatMap((s) => [...s]).sort((p, q) => p - q);
    const pattern = await allocator.maskToBudget(14);
    for (const key of TARGETS) {
      const s = scores.get(key)!;
      pattern[`${key}.lora_E`]!.forEach((k, i) => expect(k).toBe(s[i]! > all[3]!));
    }
    allocator.dispose();
    for (const p of peft.parameters()) p.grad = null;
    dispose([loss, x]);
    peft.dispose();
  });
});

describe('AdaLoRA orthogonal regularisation', () => {
  it("PEFT model's forward adds orth_reg_weight × mean ‖AAᵀ − I‖, ‖BᵀB − I‖ to a HF output's loss; not in inference mode", async () => {
    manualSeed(5);
    const model = new WithLoss();
    const peft: PeftModel = getPeftModel(model, config({ orthRegWeight: 0.3 }));
    const x = randn([2, 5, 16]);
    const labels = randn([2, 5, 16]);
    const out = peft.forward({ x, labels }) as { logits: Tensor; loss: Tensor };
    const base = tidy(() => mseLoss(out.logits, labels));
    // by hand
    let total = 0;
    for (const key of TARGETS) {
      const layer = peft.getBaseModel().getSubmodule(`net.${key}`) as AdaLoraLayer;
      for (const [t, transpose] of [
        [layer.loraA.at('default'), false],
        [layer.loraB.at('default'), true],
      ] as const) {
        const v = await values(t);
        const [rows, cols] = t.shape as [number, number];
        const r = transpose ? cols : rows;
        const n = transpose ? rows : cols;
        const at = (i: number, j: number) => (transpose ? v[j * cols + i]! : v[i * cols + j]!);
        let f = 0;
        for (let i = 0; i < r; i++) {
          for (let j = 0; j < r; j++) {
            let c = 0;
            for (let k = 0; k < n; k++) c += at(i, k) * at(j, k);
            f += (c - (i === j ? 1 : 0)) ** 2;
          }
        }
        total += Math.sqrt(f);
      }
    }
    const want = (await base.item()) + 0.3 * (total / 6);
    expect(Math.abs((await out.loss.item()) - want)).toBeLessThan(1e-5);
    const reg = orthogonalRegularization(peft.baseModel as TunerModel, 'default')!;
    expect(Math.abs((await reg.item()) - total / 6)).toBeLessThan(1e-5);
    // the regularisation trains A and B
    out.loss.backward();
    const layer = peft.getBaseModel().getSubmodule('net.q_proj') as AdaLoraLayer;
    expect(layer.loraA.at('default').grad).not.toBeNull();
    for (const p of peft.parameters()) p.grad = null;
    dispose([out.logits, out.loss, base, reg]);
    // an adapter loaded for inference gets no regularisation
    const frozen = peftModelFromFiles(new WithLoss(), await saveAdapterFiles(peft));
    const plain = frozen.forward({ x, labels }) as { logits: Tensor; loss: Tensor };
    const direct = tidy(() => mseLoss(plain.logits, labels));
    expect(await plain.loss.item()).toBe(await direct.item());
    dispose([plain.logits, plain.loss, direct, x, labels]);
    frozen.dispose();
    peft.dispose();
  });
});
