import { describe, expect, it } from 'vitest';
import { LoraConfig, getPeftModel, isTargetModule, layerIndex, patternValue } from '../../src/index.js';
import { LayeredNet } from '../helpers/models.js';
import { useCpuBackend } from '../unit.js';

/** A name a backtracking engine needs 2^length steps to reject under `([a-z_.0-9]+)+X`. */
const longName = 'model.layers.0.self_attn.q_proj_and_more';
const evil = '([a-z_.0-9]+)+X';

function timed(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

describe("config regexes run in linear time and keep PEFT's full-match semantics", () => {
  useCpuBackend();

  it('target_modules, exclude_modules, layers_pattern and rank_pattern keys with nested quantifiers', () => {
    const config = (fields: Record<string, unknown>) => new LoraConfig({ r: 2, ...fields });
    expect(timed(() => expect(isTargetModule(config({ targetModules: evil }), longName)).toBe(false))).toBeLessThan(500);
    expect(
      timed(() => expect(isTargetModule(config({ targetModules: ['q_proj'], excludeModules: evil }), longName)).toBe(false)),
    ).toBeLessThan(500);
    expect(timed(() => expect(layerIndex(longName, evil)).toBe(null))).toBeLessThan(500);
    expect(timed(() => expect(patternValue({ [evil]: 4 }, longName, 2)).toBe(2))).toBeLessThan(500);
  });

  it('a whole getPeftModel with such a target fails fast with the usual message', () => {
    const model = new LayeredNet();
    expect(
      timed(() =>
        expect(() => getPeftModel(model, new LoraConfig({ r: 2, targetModules: `${evil}|zzz` }))).toThrow(/target modules .* not found/),
      ),
    ).toBeLessThan(2000);
    model.dispose();
  });

  it('full match as Python: a pattern must cover the whole name', () => {
    const config = new LoraConfig({ r: 2, targetModules: '.*\\.(q|v)_proj' });
    expect(isTargetModule(config, 'model.layers.0.self_attn.q_proj')).toBe(true);
    expect(isTargetModule(config, 'model.layers.0.self_attn.q_proj.lora')).toBe(false);
    expect(isTargetModule(config, 'q_proj')).toBe(false);
    expect(layerIndex('model.layers.3.mlp.up_proj', 'layers')).toBe(3);
    expect(patternValue({ 'self_attn\\.q_proj': 8 }, 'model.layers.0.self_attn.q_proj', 2)).toBe(8);
  });

  it('refuses what the linear-time engine cannot run, naming the field and why', () => {
    const config = new LoraConfig({ r: 2, targetModules: '(?=q)q_proj' });
    expect(() => isTargetModule(config, 'q_proj')).toThrow(
      /target_modules: regex "\(\?=q\)q_proj" cannot be used: .*no backreferences or lookaround/,
    );
  });
});
