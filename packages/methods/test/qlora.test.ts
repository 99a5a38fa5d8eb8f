import {
  AdamW,
  Linear,
  QuantizedLinear,
  dequantizeData,
  manualSeed,
  quantizeModel,
  quantizeNf4,
  randn,
  sum,
  tidy,
  type Module,
  type Tensor,
} from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { LoftQConfig, LoraConfig, getPeftModel, type QuantizedMergeReport, getPeftMethod, registeredPeftTypes } from '../src/index.js';
import { TinyNet } from './helpers/models.js';
import { maxAbsDiff } from './cpu.js';
import { useCpuBackend } from './unit.js';

const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'up_proj', 'down_proj'];

async function quantizedTinyNet(bits: 4 | 8 = 4): Promise<TinyNet> {
  manualSeed(3);
  const net = new TinyNet();
  const report = await quantizeModel(net, { bits });
  expect(report.quantized.sort()).toEqual([...TARGETS].sort());
  return net;
}

const input = () => randn([2, 5, 16], { std: 1 });

describe('QLoRA: LoRA on QuantizedLinear bases', () => {
  useCpuBackend();

  it('starts as the quantized model, trains only LoRA (loss goes down), leaves the quantized codes as they were', async () => {
    const net = await quantizedTinyNet();
    const x = input();
    const target = randn([2, 5, 16], { std: 1 });
    const before = tidy(() => net.forward(x));
    const codes = new Map([...net.stateDict()].filter(([k]) => k.endsWith('weight_codes')).map(([k, t]) => [k, Array.from(t.dataSync())]));
    expect(codes.size).toBe(6);
    const peft = getPeftModel(net, new LoraConfig({ r: 4, loraAlpha: 8, targetModules: TARGETS }));
    const start = tidy(() => peft.forward(x) as Tensor);
    expect(await maxAbsDiff(start, before)).toBe(0);
    const trainable = peft.trainableParameters();
    expect(trainable.length).toBe(12);
    const names = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(names.every((n) => n.includes('lora_'))).toBe(true);
    const opt = new AdamW(trainable, { lr: 1e-2 });
    const losses: number[] = [];
    for (let step = 0; step < 25; step++) {
      const loss = tidy(() => {
        const y = peft.forward(x) as Tensor;
        return sum(y.sub(target).square()).div(y.size);
      });
      loss.backward();
      losses.push(await loss.item());
      loss.dispose();
      opt.step();
      opt.zeroGrad();
    }
    expect(losses[24]).toBeLessThan(losses[0] * 0.9);
    for (const [k, t] of peft.stateDict()) {
      const key = k.replace('base_model.model.', '').replace('.base_layer', '');
      if (codes.has(key)) expect(Array.from(t.dataSync()), k).toEqual(codes.get(key));
    }
    opt.dispose?.();
    for (const t of [x, target, before, start]) t.dispose();
    peft.dispose();
  });

  it("mergeAndUnload onto the quantized base: 'dequantize' gives float Linear layers equal to the adapted model, 'requantize' NF4 layers with the rounding error reported", async () => {
    for (const mode of ['dequantize', 'requantize'] as const) {
      const net = await quantizedTinyNet();
      const peft = getPeftModel(net, new LoraConfig({ r: 4, loraAlpha: 8, targetModules: TARGETS, initLoraWeights: false }));
      const x = input();
      const adapted = tidy(() => peft.forward(x) as Tensor);
      await expect(peft.mergeAdapter()).rejects.toThrow(/quantized base .*use mergeAndUnload/);
      const reports: QuantizedMergeReport[] = [];
      const merged = (await peft.mergeAndUnload({ quantizedBase: mode, onRoundingError: (r) => reports.push(r) })) as TinyNet;
      const kinds = TARGETS.map((t) => (merged.getSubmodule(t) as Module).constructor);
      const out = tidy(() => merged.forward(x));
      const diff = await maxAbsDiff(out, adapted);
      if (mode === 'dequantize') {
        expect(kinds.every((k) => k === Linear)).toBe(true);
        expect(reports).toEqual([]);
        expect(diff).toBeLessThan(1e-5);
      } else {
        expect(kinds.every((k) => k === QuantizedLinear)).toBe(true);
        expect(reports.map((r) => r.key).sort()).toEqual([...TARGETS].sort());
        for (const r of reports) {
          expect(r.format).toBe('nf4');
          expect(r.relativeError).toBeGreaterThan(0.01);
          expect(r.relativeError).toBeLessThan(0.15);
        }
        console.log(`requantize: max |merged − adapted| = ${diff}`);
        expect(diff).toBeGreaterThan(0);
        expect(diff).toBeLessThan(1);
      }
      for (const t of [x, adapted, out]) t.dispose();
      merged.dispose();
    }
  });

  it('LoRA on int8 bases trains and merges (dequantize) to the adapted output', async () => {
    const net = await quantizedTinyNet(8);
    const peft = getPeftModel(net, new LoraConfig({ r: 2, targetModules: ['q_proj', 'up_proj'], initLoraWeights: false }));
    const x = input();
    const adapted = tidy(() => peft.forward(x) as Tensor);
    const merged = (await peft.mergeAndUnload({ quantizedBase: 'dequantize' })) as TinyNet;
    const out = tidy(() => merged.forward(x));
    expect(await maxAbsDiff(out, adapted)).toBeLessThan(1e-5);
    for (const t of [x, adapted, out]) t.dispose();
    merged.dispose();
  });

  it("'all-linear' targets the quantized layers too, as PEFT counts bitsandbytes' layers", async () => {
    const net = await quantizedTinyNet();
    const peft = getPeftModel(net, new LoraConfig({ r: 2, targetModules: 'all-linear' }));
    expect([...((peft.peftConfig.default as LoraConfig).targetModules as string[])].sort()).toEqual([...TARGETS].sort());
    peft.dispose();
  });

  it('every layer method either adapts a quantized base or refuses it naming the missing float weight', async () => {
    const results: Record<string, string> = {};
    for (const method of registeredPeftTypes()) {
      const m = getPeftMethod(method);
      if (m.kind !== 'layer' || !m.configClass) continue;
      let config;
      try {
        config = new (m.configClass as new (f: object) => object)({ targetModules: ['q_proj', 'up_proj'] });
      } catch {
        continue; // a method that needs more settings than target modules (tested on its own)
      }
      const net = await quantizedTinyNet();
      const x = input();
      try {
        const peft = getPeftModel(net, config as never);
        const loss = tidy(() => sum((peft.forward(x) as Tensor).square()));
        loss.backward();
        const grads = peft.trainableParameters().filter((p) => p.grad !== null).length;
        results[method] = grads > 0 ? 'trains' : 'no gradient';
        for (const p of peft.trainableParameters()) {
          p.grad?.dispose();
          p.grad = null;
        }
        loss.dispose();
        peft.dispose();
      } catch (err) {
        const message = (err as Error).message;
        results[method] = /quantized \(QuantizedLinear nf4\) and has no float weight/.test(message) ? 'refuses' : `error: ${message}`;
        net.dispose();
      }
      x.dispose();
    }
    console.log(`layer methods on a quantized base: ${JSON.stringify(results)}`);
    // C3A checks for Linear itself and names the type it got
    const refusesByType = /cannot adapt module 'q_proj' of type QuantizedLinear/;
    // settings sized for real models that TinyNet's 16 features cannot meet: unrelated to quantization
    const tooSmall = /more than the 16×16 entries|must divide out_features 16|not a multiple of vectorLength/;
    const unexpected = Object.entries(results).filter(
      ([, r]) => (r.startsWith('error') && !refusesByType.test(r) && !tooSmall.test(r)) || r === 'no gradient',
    );
    expect(unexpected).toEqual([]);
    for (const method of ['LORA', 'IA3', 'VERA', 'LOKR']) expect(results[method], method).toBe('trains');
  });
});

describe('LoftQ (initLoraWeights: loftq)', () => {
  useCpuBackend();

  it('validates loftqConfig', () => {
    expect(() => new LoraConfig({ initLoraWeights: 'loftq' })).toThrow(/needs loftqConfig/);
    expect(() => new LoftQConfig({ loftqBits: 3 })).toThrow(/loftqBits \(loftq_bits\) must be 4 \(NF4\) or 8/);
    const c = new LoraConfig({ initLoraWeights: 'loftq', loftqConfig: { loftq_bits: 4, loftq_iter: 2 } as never });
    expect(JSON.parse(JSON.stringify(c.loftqConfig))).toEqual({ loftq_bits: 4, loftq_iter: 2 });
  });

  it('quantizes the base to NF4 and starts the adapter at the low-rank part of the error: Q + B·A is closer to W than NF4 alone', async () => {
    manualSeed(5);
    const net = new TinyNet();
    const w = Float64Array.from(net.getSubmodule('up_proj').stateDict().get('weight')!.dataSync());
    const plainError = norm(w, dequantizeData(quantizeNf4(w, 32, 16, { doubleQuant: false })));
    const errors: number[] = [];
    for (const iter of [1, 3]) {
      const copy = net.clone();
      const peft = getPeftModel(
        copy,
        new LoraConfig({
          r: 4,
          loraAlpha: 4,
          targetModules: ['up_proj'],
          initLoraWeights: 'loftq',
          loftqConfig: new LoftQConfig({ loftqBits: 4, loftqIter: iter }),
        }),
      );
      const layer = peft.getSubmodule('base_model.model.up_proj') as unknown as {
        baseLayer: Module;
        loraA: { at(n: string): Linear };
        loraB: { at(n: string): Linear };
      };
      expect(layer.baseLayer).toBeInstanceOf(QuantizedLinear);
      const approx = tidy(() =>
        (layer.baseLayer as QuantizedLinear)
          .dequantizeWeight('float32')
          .add(layer.loraB.at('default').weight.matmul(layer.loraA.at('default').weight)),
      );
      errors.push(norm(w, approx.dataSync()));
      approx.dispose();
      peft.dispose();
    }
    expect(errors[0]).toBeLessThan(plainError * 0.95);
    expect(errors[1]).toBeLessThanOrEqual(errors[0] * 1.0001);
    net.dispose();
  });

  it('refuses a base that is quantized already', async () => {
    const net = await quantizedTinyNet();
    expect(() =>
      getPeftModel(net, new LoraConfig({ targetModules: ['q_proj'], initLoraWeights: 'loftq', loftqConfig: new LoftQConfig() })),
    ).toThrow(/needs the float base weight/);
    net.dispose();
  });
});

function norm(w: ArrayLike<number>, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += (w[i] - v[i]) ** 2;
  return Math.sqrt(s);
}
