import { manualSeed, tensor, type Tensor } from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { LoraConfig, getPeftModel, parseAdapterConfig, saveAdapterFiles, loadAdapterFiles } from '../../src/index.js';
import { SmallNet, useCpuBackend } from '../unit.js';

const PROTOTYPE_NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
const config = () => new LoraConfig({ r: 2, targetModules: ['up', 'down'], initLoraWeights: false });

function input(): Tensor {
  return tensor(
    new Float64Array(16).map((_, i) => Math.sin(i)),
    { shape: [2, 8], dtype: 'float64' },
  );
}

describe('adapter names that are Object.prototype properties are plain names', () => {
  useCpuBackend();

  it('none of them is an adapter before it is added', () => {
    const peft = getPeftModel(new SmallNet(), config());
    for (const name of PROTOTYPE_NAMES) {
      expect(() => peft.setAdapter(name)).toThrow(`setAdapter: no adapter '${name}'`);
      expect(() => peft.deleteAdapter(name)).toThrow(`deleteAdapter: no adapter '${name}'`);
      expect(Object.hasOwn(peft.peftConfig, name)).toBe(false);
    }
    peft.dispose();
  });

  for (const name of PROTOTYPE_NAMES) {
    it(`an adapter named ${JSON.stringify(name)} is added, used, saved, loaded and deleted`, async () => {
      manualSeed(3);
      const peft = getPeftModel(new SmallNet(), config());
      peft.addAdapter(name, config());
      expect(Object.keys(peft.peftConfig)).toEqual(['default', name]);
      expect(peft.peftConfig[name]).toBeInstanceOf(LoraConfig);
      peft.setAdapter(name);
      const x = input();
      const withNamed = peft.forward(x);
      peft.setAdapter('default');
      const withDefault = peft.forward(x);
      expect(await withNamed.data()).not.toEqual(await withDefault.data());

      const files = await saveAdapterFiles(peft, name);
      manualSeed(3);
      const other = getPeftModel(new SmallNet(), config());
      loadAdapterFiles(other, files, name);
      expect(Object.keys(other.peftConfig)).toEqual(['default', name]);
      other.setAdapter(name);
      const reloaded = other.forward(x);
      // the file holds float32 weights
      const [a, b] = [await reloaded.data(), await withNamed.data()];
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!)))).toBeLessThan(1e-5);

      peft.deleteAdapter(name);
      expect(Object.keys(peft.peftConfig)).toEqual(['default']);
      expect(Object.getPrototypeOf({})).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).r).toBeUndefined();
      for (const t of [x, withNamed, withDefault, reloaded]) t.dispose();
      peft.dispose();
      other.dispose();
    });
  }
});

describe('unknown fields in adapter_config.json', () => {
  it('are reported in one line however many there are', () => {
    const json: Record<string, unknown> = { peft_type: 'LORA', r: 4, target_modules: ['up'] };
    for (let i = 0; i < 100_000; i++) json[`future_field_${i}`] = i;
    const warnings: string[] = [];
    const parsed = parseAdapterConfig(JSON.stringify(json), (m) => warnings.push(m));
    expect(parsed).toBeInstanceOf(LoraConfig);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /LoraConfig: 100000 unknown fields in adapter_config.json are ignored: future_field_0, future_field_1, .* and 99995 more/,
    );
    expect(warnings[0]!.length).toBeLessThan(400);
  });

  it('one unknown field is named alone', () => {
    const warnings: string[] = [];
    parseAdapterConfig(JSON.stringify({ peft_type: 'LORA', r: 4, target_modules: ['up'], newer: 1 }), (m) => warnings.push(m));
    expect(warnings).toEqual(['LoraConfig: unknown field newer in adapter_config.json is ignored']);
  });
});
