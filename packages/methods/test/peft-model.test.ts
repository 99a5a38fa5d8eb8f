import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '@peftjs/backend-cpu';
import { Linear, Module, dispose, manualSeed, memory, randn, setBackend, tidy, type Tensor } from '@peftjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromPretrained, loadAdapter, savePretrained } from '../src/node/index.js';
import {
  LoraConfig,
  LoraLayer,
  ModulesToSaveWrapper,
  TunerLayer,
  getPeftModel,
  loadAdapterFiles,
  saveAdapterFiles,
  type PeftModel,
} from '../src/index.js';
import { LayeredNet, TinyNet } from './helpers/models.js';
import { maxAbsDiff, run, setValues, values } from './helpers/numeric.js';

let dir: string;
beforeAll(async () => {
  await setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'peftjs-peft-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Gives every tensor of `adapter` non-trivial values. */
async function perturb(peft: PeftModel, adapter: string, amount = 0.2): Promise<void> {
  let seed = adapter.length;
  for (const [name, p] of peft.namedParameters()) {
    if (!name.includes(`.${adapter}.`) && !name.endsWith(`.${adapter}`)) continue;
    setValues(
      p,
      (await values(p)).map((x, i) => x + amount * Math.sin(++seed * 1.3 + i)),
    );
  }
}

/** Names of the wrapped modules (tuner layers) in the user's model. */
function adapted(peft: PeftModel): string[] {
  return [...peft.getBaseModel().namedModules()].filter(([, m]) => m instanceof TunerLayer).map(([k]) => k);
}

async function snapshot(model: Module): Promise<Map<string, Float64Array>> {
  const out = new Map<string, Float64Array>();
  for (const [k, t] of model.stateDict()) out.set(k, await values(t));
  return out;
}

async function expectSameState(model: Module, before: Map<string, Float64Array>): Promise<void> {
  const now = await snapshot(model);
  expect([...now.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [k, v] of now) expect(maxAbsDiff(v, before.get(k)!), k).toBe(0);
}

describe('target selection', () => {
  it('layersToTransform with and without layersPattern, excludeModules, a regex and all-linear', () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [
        { targetModules: ['q_proj'], layersToTransform: [0, 2], layersPattern: 'layers' },
        ['model.layers.0.self_attn.q_proj', 'model.layers.2.self_attn.q_proj'],
      ],
      [{ targetModules: ['up_proj'], layersToTransform: 1 }, ['model.layers.1.mlp.up_proj']],
      [
        { targetModules: ['q_proj', 'v_proj'], excludeModules: ['model.layers.1.self_attn.v_proj'], layersToTransform: [1] },
        ['model.layers.1.self_attn.q_proj'],
      ],
      [
        { targetModules: String.raw`.*\.layers\.[02]\.self_attn\.(q|v)_proj` },
        [
          'model.layers.0.self_attn.q_proj',
          'model.layers.0.self_attn.v_proj',
          'model.layers.2.self_attn.q_proj',
          'model.layers.2.self_attn.v_proj',
        ],
      ],
      [
        { targetModules: 'all-linear', excludeModules: String.raw`.*mlp\.down_proj` },
        [0, 1, 2].flatMap((i) => [
          `model.layers.${i}.self_attn.q_proj`,
          `model.layers.${i}.self_attn.v_proj`,
          `model.layers.${i}.mlp.up_proj`,
        ]),
      ],
    ];
    for (const [fields, want] of cases) {
      const peft = getPeftModel(new LayeredNet(), new LoraConfig({ r: 2, ...fields }));
      expect(adapted(peft).sort(), JSON.stringify(fields)).toEqual(want.sort());
      peft.dispose();
    }
    // all-linear leaves the output head alone and is saved as the module names it found
    const all = getPeftModel(new LayeredNet(), new LoraConfig({ targetModules: 'all-linear' }));
    expect(adapted(all)).not.toContain('lm_head');
    expect((all.peftConfig.default!.toJSON().target_modules as string[]).sort()).toEqual(['down_proj', 'q_proj', 'up_proj', 'v_proj']);
    all.dispose();
    expect(() => new LoraConfig({ targetModules: 'q_proj', layersToTransform: [0] })).toThrow(
      /layersToTransform cannot be used when targetModules is a regex/,
    );
    expect(() => new LoraConfig({ targetModules: ['q_proj'], layersPattern: 'layers' })).toThrow(
      /layersPattern \("layers"\) needs layersToTransform/,
    );
    expect(() => getPeftModel(new LayeredNet(), new LoraConfig({ targetModules: ['nothing_here'] }))).toThrow(
      /target modules \["nothing_here"\] not found/,
    );
  });

  it('rankPattern and alphaPattern set r and the scaling per module', () => {
    const peft = getPeftModel(
      new LayeredNet(),
      new LoraConfig({
        r: 2,
        loraAlpha: 4,
        targetModules: ['q_proj', 'up_proj'],
        rankPattern: { up_proj: 4 },
        alphaPattern: { 'model.layers.1.self_attn.q_proj': 32 },
      }),
    );
    const layer = (k: string) => peft.getBaseModel().getSubmodule(k) as LoraLayer;
    expect(layer('model.layers.0.mlp.up_proj').r.get('default')).toBe(4);
    expect(layer('model.layers.0.mlp.up_proj').loraA.at('default').weight.shape).toEqual([4, 8]);
    expect(layer('model.layers.0.mlp.up_proj').scaling.get('default')).toBe(1);
    expect(layer('model.layers.0.self_attn.q_proj').scaling.get('default')).toBe(2);
    expect(layer('model.layers.1.self_attn.q_proj').scaling.get('default')).toBe(16);
    peft.dispose();
  });
});

describe('several adapters', () => {
  it('add, set (one or several active), delete; only active adapters train; outputs add up', async () => {
    manualSeed(1);
    const x = randn([2, 3, 8]);
    const model = new LayeredNet().eval();
    const base = await run(model, x);
    const peft = getPeftModel(model, new LoraConfig({ r: 2, targetModules: ['q_proj', 'v_proj'] }));
    peft.addAdapter('other', new LoraConfig({ r: 3, targetModules: ['q_proj', 'up_proj'] }));
    await perturb(peft, 'default');
    await perturb(peft, 'other');
    expect(peft.activeAdapters).toEqual(['default']);
    const trainingNames = () => [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(trainingNames().every((n) => n.includes('.default.'))).toBe(true);
    const one = await run(peft, x);
    peft.setAdapter('other');
    expect(trainingNames().every((n) => n.includes('.other.'))).toBe(true);
    const two = await run(peft, x);
    peft.setAdapter(['default', 'other']);
    expect(peft.activeAdapters).toEqual(['default', 'other']);
    const both = await run(peft, x);
    expect(maxAbsDiff(both.values, one.values)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(both.values, two.values)).toBeGreaterThan(1e-3);
    // a single layer: both active = base + Δ_default + Δ_other
    const q = peft.getBaseModel().getSubmodule('model.layers.0.self_attn.q_proj') as LoraLayer;
    const h = randn([2, 3, 8]);
    const yBoth = await run(q, h);
    q.setAdapter(['default']);
    const yOne = await run(q, h);
    q.setAdapter(['other']);
    const yTwo = await run(q, h);
    const yBase = await peft.disableAdapter(() => run(q, h));
    expect(
      maxAbsDiff(
        yBoth.values,
        yOne.values.map((v, i) => v + yTwo.values[i]! - yBase.values[i]!),
      ),
    ).toBeLessThan(1e-5);
    q.setAdapter(['default', 'other']);

    // deleting the active adapter: the other becomes active; modules only it adapted are unwrapped
    peft.setAdapter('other');
    peft.deleteAdapter('other');
    expect(Object.keys(peft.peftConfig)).toEqual(['default']);
    expect(peft.activeAdapters).toEqual(['default']);
    expect(peft.getBaseModel().getSubmodule('model.layers.0.mlp.up_proj')).toBeInstanceOf(Linear);
    expect(maxAbsDiff((await run(peft, x)).values, one.values)).toBe(0);
    expect(() => peft.deleteAdapter('other')).toThrow(/no adapter 'other'/);
    expect(() => peft.setAdapter('nope')).toThrow(/no adapter 'nope'; adapters: default/);
    expect(() => peft.addAdapter('default', new LoraConfig({ targetModules: ['q_proj'] }))).toThrow(/already exists/);
    expect(() => peft.addAdapter('a.b', new LoraConfig({ targetModules: ['q_proj'] }))).toThrow(/without dots/);
    // the base model's own output is still there when disabled
    expect(maxAbsDiff((await peft.disableAdapter(() => run(peft, x))).values, base.values)).toBe(0);
    peft.dispose();
    dispose([x, h]);
  });

  it('per-sample adapterNames: each row gets its adapter in one batch, "__base__" none; rules as in PEFT', async () => {
    manualSeed(2);
    const x = randn([4, 3, 8]);
    const peft = getPeftModel(new LayeredNet(), new LoraConfig({ r: 2, targetModules: ['q_proj', 'v_proj'] }));
    peft.addAdapter('other', new LoraConfig({ r: 3, targetModules: ['up_proj', 'v_proj'] }));
    await perturb(peft, 'default');
    await perturb(peft, 'other');
    expect(() => peft.forwardWithAdapters(['default', 'other', 'default', '__base__'], x)).toThrow(/for inference; call eval\(\) first/);
    peft.eval();
    const single = async (name: string | null) => {
      if (name === null) return peft.disableAdapter(() => run(peft, x));
      peft.setAdapter(name);
      return run(peft, x);
    };
    const outs = { default: await single('default'), other: await single('other'), __base__: await single(null) };
    const names = ['other', '__base__', 'default', 'other'] as const;
    const mixed = tidy(() => peft.forwardWithAdapters(names, x) as Tensor);
    const m = await values(mixed);
    mixed.dispose();
    const rowLen = 3 * 8;
    names.forEach((n, row) => {
      expect(
        maxAbsDiff(m.subarray(row * rowLen, (row + 1) * rowLen), outs[n].values.subarray(row * rowLen, (row + 1) * rowLen)),
        `row ${row} (${n})`,
      ).toBeLessThan(1e-6);
    });
    expect(() => peft.forwardWithAdapters(['default', 'missing', 'default', 'default'], x)).toThrow(/unknown adapter 'missing'/);
    expect(() => tidy(() => peft.forwardWithAdapters(['default', 'other'], x))).toThrow(/adapterNames has 2 entries for a batch of 4 rows/);
    await peft.mergeAdapter();
    expect(() => tidy(() => peft.forwardWithAdapters(names, x))).toThrow(/cannot be used while adapters are merged/);
    peft.unmergeAdapter();
    peft.dispose();
    x.dispose();
  });

  it('adapterNames in an inputs object (HF models) pass through PeftModel.forward', async () => {
    manualSeed(3);
    class ObjectInput extends Module {
      constructor() {
        super();
        this.registerModule('net', new TinyNet());
      }
      forward({ x }: { x: Tensor }): Tensor {
        return this.child<TinyNet>('net').forward(x);
      }
    }
    const x = randn([2, 3, 16]);
    const peft = getPeftModel(new ObjectInput(), new LoraConfig({ r: 2, targetModules: ['q_proj'] })).eval();
    await perturb(peft, 'default');
    const adapted = await run(peft, { x });
    const base = await peft.disableAdapter(() => run(peft, { x }));
    const mixed = await run(peft, { x, adapterNames: ['__base__', 'default'] });
    expect(maxAbsDiff(mixed.values.subarray(0, 48), base.values.subarray(0, 48))).toBeLessThan(1e-6);
    expect(maxAbsDiff(mixed.values.subarray(48), adapted.values.subarray(48))).toBeLessThan(1e-6);
    peft.dispose();
    x.dispose();
  });
});

describe('disable, merge, unload', () => {
  it('disableAdapter as a function (sync and async) and with using; nested; merged adapters come back out', async () => {
    manualSeed(4);
    const x = randn([2, 3, 16]);
    const model = new TinyNet().eval();
    const base = await run(model, x);
    const peft = getPeftModel(model, new LoraConfig({ r: 2, targetModules: ['q_proj', 'up_proj'], modulesToSave: ['down_proj'] }));
    await perturb(peft, 'default');
    const on = await run(peft, x);
    expect(maxAbsDiff(on.values, base.values)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff((await peft.disableAdapter(async () => run(peft, x))).values, base.values)).toBe(0);
    const syncOut = peft.disableAdapter(() => tidy(() => peft.forward(x) as Tensor));
    expect(maxAbsDiff(await values(syncOut), base.values)).toBe(0);
    syncOut.dispose();
    {
      using _off = peft.disableAdapter();
      expect(maxAbsDiff((await run(peft, x)).values, base.values)).toBe(0);
      {
        using _again = peft.disableAdapter();
        expect(maxAbsDiff((await run(peft, x)).values, base.values)).toBe(0);
      }
      // still disabled after the inner one ends
      expect(maxAbsDiff((await run(peft, x)).values, base.values)).toBe(0);
    }
    expect(maxAbsDiff((await run(peft, x)).values, on.values)).toBe(0);
    expect(() =>
      peft.disableAdapter(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(maxAbsDiff((await run(peft, x)).values, on.values)).toBe(0);
    await peft.mergeAdapter();
    expect(maxAbsDiff((await peft.disableAdapter(() => run(peft, x))).values, base.values)).toBeLessThan(1e-6);
    peft.dispose();
    x.dispose();
  });

  it('mergeAndUnload({ safeMerge: true }) refuses NaN and leaves the model as it was; unload gives the untouched base', async () => {
    manualSeed(5);
    const x = randn([2, 3, 16]);
    const model = new TinyNet().eval();
    const base = await run(model, x);
    const before = await snapshot(model);
    const peft = getPeftModel(model, new LoraConfig({ r: 2, targetModules: ['q_proj', 'v_proj'] }));
    await perturb(peft, 'default');
    const out = await run(peft, x);
    const adapterBefore = await snapshot(peft);
    const b = (peft.getBaseModel().getSubmodule('v_proj') as LoraLayer).loraB.at('default').weight;
    const good = await values(b);
    const broken = Float64Array.from(good);
    broken[3] = NaN;
    setValues(b, broken);
    const startTensors = memory().numTensors;
    await expect(peft.mergeAndUnload({ safeMerge: true })).rejects.toThrow(/gives NaN or infinite values in weight; nothing was merged/);
    expect(memory().numTensors).toBe(startTensors);
    setValues(b, good);
    await expectSameState(peft, adapterBefore);
    expect(adapted(peft).sort()).toEqual(['q_proj', 'v_proj']);
    expect(maxAbsDiff((await run(peft, x)).values, out.values)).toBe(0);

    const plain = peft.unload();
    expect(plain).toBe(model);
    expect([...plain.namedModules()].some(([, m]) => m instanceof TunerLayer)).toBe(false);
    await expectSameState(plain, before);
    expect(maxAbsDiff((await run(plain, x)).values, base.values)).toBe(0);
    expect(() => peft.forward(x)).toThrow(/was unloaded/);

    const again = getPeftModel(plain, new LoraConfig({ r: 2, targetModules: ['q_proj'] }));
    await perturb(again, 'default');
    const want = await run(again, x);
    const merged = await again.mergeAndUnload({ safeMerge: true });
    expect(merged.getSubmodule('q_proj')).toBeInstanceOf(Linear);
    expect(maxAbsDiff((await run(merged, x)).values, want.values)).toBeLessThan(1e-5);
    merged.dispose();
    x.dispose();
  });
});

describe('adapter folders (Node)', () => {
  it('savePretrained writes every adapter (others in subfolders); fromPretrained and loadAdapter bring them back', async () => {
    manualSeed(6);
    const x = randn([2, 3, 16]);
    const original = new TinyNet().eval();
    const peft = getPeftModel(original.clone(), new LoraConfig({ r: 2, targetModules: ['q_proj'], modulesToSave: ['o_proj'] }));
    peft.addAdapter('second', new LoraConfig({ r: 3, loraAlpha: 6, targetModules: ['v_proj', 'up_proj'], useDora: true }));
    await perturb(peft, 'default');
    await perturb(peft, 'second');
    const first = await run(peft, x);
    peft.setAdapter('second');
    const second = await run(peft, x);
    const folder = join(dir, 'two');
    await savePretrained(peft, folder);
    for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'second/adapter_config.json', 'second/adapter_model.safetensors'])
      expect(existsSync(join(folder, f)), f).toBe(true);

    const loaded = await fromPretrained(original.clone(), folder);
    expect(loaded.getNbTrainableParameters().trainable).toBe(0);
    await loadAdapter(loaded, join(folder, 'second'), 'second', { isTrainable: true });
    expect(Object.keys(loaded.peftConfig)).toEqual(['default', 'second']);
    expect(maxAbsDiff((await run(loaded, x)).values, first.values)).toBe(0);
    loaded.setAdapter('second');
    expect(loaded.getNbTrainableParameters().trainable).toBeGreaterThan(0);
    expect(maxAbsDiff((await run(loaded, x)).values, second.values)).toBe(0);
    await expect(savePretrained(loaded, join(dir, 'x'), { selectedAdapters: ['third'] })).rejects.toThrow(/no adapter 'third'/);
    loaded.dispose();
    peft.dispose();
    original.dispose();
    x.dispose();
  });

  it('a file that does not fit (shapes, keys) leaves the PEFT model and the base model as they were', async () => {
    manualSeed(7);
    const x = randn([2, 3, 16]);
    // an adapter made for a wider model: its up_proj factors have other shapes
    const wide = getPeftModel(new TinyNet(16, 48), new LoraConfig({ r: 2, targetModules: ['q_proj', 'up_proj'] }));
    const wrongFiles = await saveAdapterFiles(wide);
    await savePretrained(wide, join(dir, 'wide'));
    wide.dispose();

    const peft = getPeftModel(new TinyNet(), new LoraConfig({ r: 2, targetModules: ['q_proj'], modulesToSave: ['o_proj'] }));
    await perturb(peft, 'default');
    const before = await snapshot(peft);
    const out = await run(peft.eval(), x);
    const flags = peft.parameters().map((p) => p.requiresGrad);
    const tensorsBefore = memory().numTensors;
    expect(() => loadAdapterFiles(peft, wrongFiles, 'wide')).toThrow(
      /up_proj\.lora_B\.weight has shape \[48,2\] in the file, the model expects \[32,2\]/,
    );
    await expect(loadAdapter(peft, join(dir, 'wide'), 'wide2')).rejects.toThrow(/has shape/);
    await expect(loadAdapter(peft, join(dir, 'nowhere'), 'x')).rejects.toThrow(/cannot read adapter_config.json/);
    expect(memory().numTensors).toBe(tensorsBefore);
    expect(Object.keys(peft.peftConfig)).toEqual(['default']);
    expect(adapted(peft)).toEqual(['q_proj']);
    expect([...peft.getBaseModel().namedModules()].filter(([, m]) => m instanceof ModulesToSaveWrapper).map(([k]) => k)).toEqual([
      'o_proj',
    ]);
    await expectSameState(peft, before);
    expect(peft.parameters().map((p) => p.requiresGrad)).toEqual(flags);
    expect(maxAbsDiff((await run(peft, x)).values, out.values)).toBe(0);

    // from a fresh base: the base keeps its modules, values and requiresGrad flags
    const fresh = new TinyNet();
    const freshBefore = await snapshot(fresh);
    const freshFlags = fresh.parameters().map((p) => p.requiresGrad);
    await expect(fromPretrained(fresh, join(dir, 'wide'))).rejects.toThrow(/has shape/);
    expect([...fresh.namedModules()].some(([, m]) => m instanceof TunerLayer)).toBe(false);
    await expectSameState(fresh, freshBefore);
    expect(fresh.parameters().map((p) => p.requiresGrad)).toEqual(freshFlags);
    fresh.dispose();
    peft.dispose();
    x.dispose();
  });
});
