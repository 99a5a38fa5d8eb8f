import { describe, expect, it } from 'vitest';
import { IA3Config, isFeedforwardModule } from '../src/index.js';
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
