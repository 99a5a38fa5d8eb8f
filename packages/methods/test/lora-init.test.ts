import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { Conv1D, Module, dispose, manualSeed, memory, randn, setBackend, type Tensor } from '@peftjs/core';
import { loadSafetensorsFile } from '@peftjs/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LoraConfig,
  LoraLayer,
  configFromJSON,
  convertMutatedInit,
  getPeftModel,
  parseAdapterFiles,
  peftModelFromFiles,
  saveAdapterFiles,
} from '../src/index.js';
import { EmbedNet, TinyNet } from './helpers/models.js';
import { maxAbs, maxAbsDiff, run, setValues, values } from './helpers/numeric.js';
import { findGoldenDir } from './merging/golden-dir.js';
import { fromPretrained, savePretrained } from '../src/node/index.js';

const golden = await findGoldenDir();
const MODULES = ['q_proj', 'v_proj', 'up_proj'];

beforeAll(async () => {
  await setBackend('cpu');
});

async function goldenCase(name: string) {
  const dir = join(golden, 'peft', name);
  const base = await loadSafetensorsFile(join(dir, 'base_model.safetensors'));
  const model = new TinyNet();
  model.loadStateDict(base);
  dispose([...base.values()]);
  const config = configFromJSON(JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'))).with({ inferenceMode: false });
  return {
    model: model.eval(),
    config,
    init: await loadSafetensorsFile(join(dir, 'init_adapter.safetensors')),
    state: await loadSafetensorsFile(join(dir, 'peft_state.safetensors')),
    input: await loadSafetensorsFile(join(dir, 'input.safetensors')),
  };
}

/** Max |ours − PEFT's| of A (rows) and B (columns), each rank component compared up to its sign. */
async function factorError(a: Tensor, b: Tensor, a0: Tensor, b0: Tensor, allowSignFlip: boolean): Promise<number> {
  const [av, bv, a0v, b0v] = [await values(a), await values(b), await values(a0), await values(b0)];
  const [r, n] = a.shape as [number, number];
  const m = b.shape[0]!;
  let worst = 0;
  for (let k = 0; k < r; k++) {
    let dot = 0;
    for (let j = 0; j < n; j++) dot += av[k * n + j]! * a0v[k * n + j]!;
    const sign = allowSignFlip && dot < 0 ? -1 : 1;
    for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(sign * av[k * n + j]! - a0v[k * n + j]!));
    for (let i = 0; i < m; i++) worst = Math.max(worst, Math.abs(sign * bv[i * r + k]! - b0v[i * r + k]!));
  }
  return worst;
}

describe('PiSSA and OLoRA initialisation against PEFT', () => {
  for (const [kase, signFree] of [
    ['lora_pissa', true],
    ['lora_olora', false],
  ] as const) {
    it(`${kase}: A, B and the residual base weights equal PEFT's init (float32 tolerance)`, async () => {
      const { model, config, init, state, input } = await goldenCase(kase);
      const before = await run(model, input.get('x'));
      const peft = getPeftModel(model, config);
      for (const m of MODULES) {
        const layer = peft.getBaseModel().getSubmodule(m) as LoraLayer;
        const a = layer.loraA.at('default').weight;
        const b = layer.loraB.at('default').weight;
        const a0 = init.get(`base_model.model.${m}.lora_A.weight`)!;
        const b0 = init.get(`base_model.model.${m}.lora_B.weight`)!;
        const scale = Math.max(maxAbs(await values(a0)), maxAbs(await values(b0)));
        const err = await factorError(a, b, a0, b0, signFree);
        console.log(`${kase} ${m}: max |A, B − PEFT's| ${err.toExponential(2)} (scale ${scale.toFixed(3)})`);
        expect(err).toBeLessThan(1e-5 * Math.max(1, scale));
        const w = await values(layer.base.weight);
        const w0 = await values(state.get(`base_model.model.${m}.base_layer.weight`)!);
        const werr = maxAbsDiff(w, w0);
        console.log(`${kase} ${m}: max |residual W − PEFT's| ${werr.toExponential(2)}`);
        expect(werr).toBeLessThan(1e-5 * Math.max(1, maxAbs(w0)));
      }
      // W_res + s·B·A = W: the model's output does not change at initialisation
      const after = await run(peft, input.get('x'));
      expect(maxAbsDiff(after.values, before.values)).toBeLessThan(1e-5);
      peft.dispose();
      dispose([...init.values(), ...state.values(), ...input.values()]);
    });
  }
});

/** One Conv1D layer in a module (GPT-2's fan-in-fan-out weight [in, out]). */
class Conv1DNet extends Module {
  constructor() {
    super();
    this.registerModule('c_attn', new Conv1D(12, 8));
  }
  forward(x: Tensor): Tensor {
    return this.child<Conv1D>('c_attn').forward(x);
  }
}

describe('PiSSA and OLoRA', () => {
  it('keep the output of a non-square Conv1D (fan-in-fan-out) and of TinyNet at initialisation; pissa_niter_<n> is the exact PiSSA', async () => {
    manualSeed(11);
    const x = randn([2, 3, 8]);
    const start = memory().numTensors;
    for (const init of ['pissa', 'olora', 'pissa_niter_4'] as const) {
      const net = new Conv1DNet().eval();
      const base = await run(net, x);
      const peft = getPeftModel(
        net,
        new LoraConfig({ r: 3, loraAlpha: 6, targetModules: ['c_attn'], initLoraWeights: init, fanInFanOut: true }),
      );
      const out = await run(peft, x);
      expect(maxAbsDiff(out.values, base.values)).toBeLessThan(1e-5);
      // the base holds the residual, so the adapter carries part of W
      const disabled = await peft.disableAdapter(() => run(peft, x));
      expect(maxAbsDiff(disabled.values, base.values)).toBeGreaterThan(1e-2);
      peft.dispose();
    }
    expect(memory().numTensors).toBe(start);
    x.dispose();
  });

  it('pissa_niter_<n> gives the exact SVD factors, the same as pissa', async () => {
    manualSeed(12);
    const make = (init: 'pissa' | 'pissa_niter_2') => {
      manualSeed(5);
      const net = new TinyNet();
      return getPeftModel(net, new LoraConfig({ r: 2, targetModules: ['up_proj'], initLoraWeights: init }));
    };
    const [a, b] = [make('pissa'), make('pissa_niter_2')];
    const la = a.getBaseModel().getSubmodule('up_proj') as LoraLayer;
    const lb = b.getBaseModel().getSubmodule('up_proj') as LoraLayer;
    // A, B and the residual base weight, all three
    expect(maxAbsDiff(await values(la.loraA.at('default').weight), await values(lb.loraA.at('default').weight))).toBe(0);
    expect(maxAbsDiff(await values(la.loraB.at('default').weight), await values(lb.loraB.at('default').weight))).toBe(0);
    expect(maxAbsDiff(await values(la.baseLayer.stateDict().get('weight')!), await values(lb.baseLayer.stateDict().get('weight')!))).toBe(
      0,
    );
    a.dispose();
    b.dispose();
  });

  it('r larger than the weight allows and Embedding targets are refused with the reason', () => {
    const net = new Conv1DNet();
    expect(() => getPeftModel(net, new LoraConfig({ r: 9, targetModules: ['c_attn'], initLoraWeights: 'olora' }))).toThrow(
      /r <= min\(out, in\) = 8/,
    );
    // the failed injection left the model as it was
    expect(net.getSubmodule('c_attn')).toBeInstanceOf(Conv1D);
    net.dispose();
    const embed = new EmbedNet();
    expect(() => getPeftModel(embed, new LoraConfig({ r: 2, targetModules: ['embed'], initLoraWeights: 'pissa' }))).toThrow(
      /works on Linear and Conv1D targets, not on 'embed' \(embedding\)/,
    );
    embed.dispose();
  });

  it('reloading PEFT-style files runs the init on the original base after the load; a file that does not fit leaves the base untouched', async () => {
    manualSeed(21);
    const x = randn([2, 4, 16]);
    const original = new TinyNet().eval();
    const originalState = new Map([...original.stateDict()].map(([k, t]) => [k, t.clone()]));
    const trained = getPeftModel(
      original.clone(),
      new LoraConfig({ r: 4, loraAlpha: 4, targetModules: ['q_proj', 'v_proj'], initLoraWeights: 'pissa' }),
    );
    const layer = trained.getBaseModel().getSubmodule('q_proj') as LoraLayer;
    const b = layer.loraB.at('default').weight;
    setValues(
      b,
      (await values(b)).map((v, i) => v * 1.5 + 0.01 * Math.sin(i)),
    );
    const want = await run(trained.eval(), x);
    const files = await saveAdapterFiles(trained);

    const reloaded = peftModelFromFiles(original.clone(), files);
    const got = await run(reloaded, x);
    const err = maxAbsDiff(got.values, want.values);
    console.log(`PiSSA reload onto the original base: max |Δ| ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    reloaded.dispose();

    // a file whose tensors do not fit: nothing of the model changes, not even by rounding
    const target = original.clone();
    const broken = parseAdapterFiles(files);
    const wrong = new Map(broken.state);
    wrong.delete('base_model.model.v_proj.lora_B.weight');
    const { saveSafetensors } = await import('@peftjs/core');
    const weights = await saveSafetensors(wrong, { format: 'pt' });
    expect(() => peftModelFromFiles(target, { config: files.config, weights })).toThrow(
      /missing keys \[base_model\.model\.v_proj\.lora_B\.weight\]/,
    );
    for (const [k, t] of target.stateDict()) expect(maxAbsDiff(await values(t), await values(originalState.get(k)!)), k).toBe(0);
    dispose([...broken.state.values()]);
    target.dispose();
    trained.dispose();
    original.dispose();
    dispose([...originalState.values(), x]);
  });

  it('saved with initialAdapter, a trained PiSSA/OLoRA adapter becomes a plain LoRA of the original weights (r and alpha doubled)', async () => {
    for (const init of ['pissa', 'olora'] as const) {
      manualSeed(31);
      const x = randn([2, 4, 16]);
      const original = new TinyNet().eval();
      const config = new LoraConfig({ r: 3, loraAlpha: 6, targetModules: ['q_proj', 'up_proj'], initLoraWeights: init });
      const peft = getPeftModel(original.clone(), config);
      const initial = await saveAdapterFiles(peft);
      for (const [name, p] of peft.namedParameters())
        if (p.requiresGrad)
          setValues(
            p,
            (await values(p)).map((v, i) => v + 0.05 * Math.cos(i + name.length)),
          );
      const want = await run(peft.eval(), x);
      const files = await saveAdapterFiles(peft, 'default', { initialAdapter: initial });
      const json = JSON.parse(files.config) as Record<string, unknown>;
      expect([json.r, json.lora_alpha, json.init_lora_weights]).toEqual([6, 12, true]);
      const plain = peftModelFromFiles(original.clone(), files);
      const a = (plain.getBaseModel().getSubmodule('q_proj') as LoraLayer).loraA.at('default').weight;
      expect(a.shape).toEqual([6, 16]);
      const got = await run(plain, x);
      const err = maxAbsDiff(got.values, want.values);
      console.log(`${init} converted to LoRA of the original base: max |Δ| ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-5);
      // the base weights are the original ones
      for (const [k, t] of original.stateDict()) {
        const at = k.lastIndexOf('.');
        const path = k.slice(0, at);
        const mine = plain.getBaseModel().getSubmodule(path) instanceof LoraLayer ? `${path}.base_layer${k.slice(at)}` : k;
        expect(maxAbsDiff(await values(plain.getBaseModel().stateDict().get(mine)!), await values(t)), k).toBe(0);
      }
      plain.dispose();
      peft.dispose();
      original.dispose();
      x.dispose();
    }
  });

  it('savePretrained with pathInitialModelForWeightConversion writes the converted adapter (Node)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peftjs-pissa-'));
    try {
      manualSeed(41);
      const x = randn([1, 4, 16]);
      const original = new TinyNet().eval();
      const peft = getPeftModel(
        original.clone(),
        new LoraConfig({ r: 2, loraAlpha: 2, targetModules: ['v_proj'], initLoraWeights: 'pissa', useRslora: true }),
      );
      await savePretrained(peft, join(dir, 'init'));
      for (const [, p] of peft.namedParameters())
        if (p.requiresGrad)
          setValues(
            p,
            (await values(p)).map((v, i) => v * 1.2 + 0.01 * i),
          );
      const want = await run(peft.eval(), x);
      await savePretrained(peft, join(dir, 'lora'), { pathInitialModelForWeightConversion: join(dir, 'init') });
      const json = JSON.parse(readFileSync(join(dir, 'lora', 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
      // rsLoRA keeps α/√r when r doubles: α·√2
      expect(json.r).toBe(4);
      expect(Math.abs((json.lora_alpha as number) - 2 * Math.SQRT2)).toBeLessThan(1e-12);
      const plain = await fromPretrained(original, join(dir, 'lora'));
      expect(maxAbsDiff((await run(plain, x)).values, want.values)).toBeLessThan(1e-5);
      plain.dispose();
      peft.dispose();
      x.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('convertMutatedInit refuses DoRA adapters and missing initial tensors', () => {
    const config = new LoraConfig({ r: 2, targetModules: ['q_proj'], initLoraWeights: 'pissa', useDora: true });
    expect(() => convertMutatedInit(new Map(), new Map(), config)).toThrow(/DoRA/);
    const plain = new LoraConfig({ r: 2, targetModules: ['q_proj'], initLoraWeights: 'gaussian' });
    expect(() => convertMutatedInit(new Map(), new Map(), plain)).toThrow(/only PiSSA and OLoRA/);
    const a = randn([2, 4]);
    expect(() =>
      convertMutatedInit(new Map([['base_model.model.q_proj.lora_A.weight', a]]), new Map(), config.with({ useDora: false })),
    ).toThrow(/initial adapter has no base_model\.model\.q_proj\.lora_A\.weight/);
    a.dispose();
  });
});
