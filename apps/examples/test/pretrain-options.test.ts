import { describe, expect, it } from 'vitest';
import { parsePretrainOptions } from '../src/pretrain/options.js';

describe('pretrain options', () => {
  it('defaults to the committed model: 4 layers, 4 heads, n_embd 128, context 128, seed 0, 10% warm-up', () => {
    const o = parsePretrainOptions([]);
    expect([o.nLayer, o.nHead, o.nEmbd, o.blockSize, o.seed]).toEqual([4, 4, 128, 128, 0]);
    expect(o.warmupSteps).toBe(Math.round(o.steps / 10));
    expect(o.out.endsWith('models/byte-gpt2/')).toBe(true);
  });

  it('reads the flags and caps the warm-up at the step count', () => {
    const o = parsePretrainOptions(['--steps', '3', '--warmup-steps', '9', '--lr', '1e-3', '--out', 'x', '--no-progress']);
    expect([o.steps, o.warmupSteps, o.lr, o.out, o.progress]).toEqual([3, 3, 1e-3, 'x', false]);
  });

  it('names the flag and the value it rejects', () => {
    expect(() => parsePretrainOptions(['--steps', '0'])).toThrow('pretrain: --steps must be an integer ≥ 1, got "0"');
    expect(() => parsePretrainOptions(['--steps', '-1'])).toThrow('pretrain: --steps must be an integer ≥ 1, got "-1"');
    expect(() => parsePretrainOptions(['--lr', 'fast'])).toThrow('pretrain: --lr must be a number ≥ 0, got "fast"');
    expect(() => parsePretrainOptions(['--weight-decay', '-0.1'])).toThrow('pretrain: --weight-decay must be a number ≥ 0, got "-0.1"');
    expect(() => parsePretrainOptions(['--n-embd', '30', '--n-head', '4'])).toThrow(
      'pretrain: --n-embd (30) must be divisible by --n-head (4)',
    );
    expect(() => parsePretrainOptions(['--bogus'])).toThrow(/^pretrain: .*'--bogus'.*\(see --help\)$/);
  });
});
