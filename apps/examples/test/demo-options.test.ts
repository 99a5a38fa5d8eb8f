import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, DEFAULT_OUT, optionHelp, parseDemoArgs, totalSteps, type DemoOptions } from '../src/demo/options.js';

const METHODS = ['lora', 'ia3'];
const parse = (args: string[]): DemoOptions => {
  const parsed = parseDemoArgs(args, METHODS);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.options;
};

describe('demo options', () => {
  it('defaults to LoRA on the CPU backend with the committed model, writing under apps/examples/out', () => {
    const o = parse([]);
    expect([o.method, o.backend, o.skipFull, o.progress, o.steps, o.lr]).toEqual(['lora', 'cpu', false, true, null, null]);
    expect(o.model).toBe(DEFAULT_MODEL);
    expect(DEFAULT_MODEL.replace(/\\/g, '/')).toMatch(/apps\/examples\/models\/byte-gpt2$/);
    expect(DEFAULT_OUT.replace(/\\/g, '/')).toMatch(/apps\/examples\/out\/demo$/);
    expect(o.maxLength).toBeGreaterThanOrEqual(32);
    expect(o.maxLength).toBeLessThanOrEqual(128);
  });

  it('reads every flag', () => {
    const o = parse([
      '--method',
      'ia3',
      '--backend',
      'webgpu',
      '--train-size',
      '40',
      '--test-size',
      '20',
      '--epochs',
      '2',
      '--steps',
      '7',
      '--batch-size',
      '4',
      '--max-length',
      '32',
      '--lr',
      '3e-3',
      '--seed',
      '5',
      '--out',
      'x',
      '--skip-full',
      '--model',
      'm',
      '--no-progress',
    ]);
    expect(o).toEqual({
      method: 'ia3',
      backend: 'webgpu',
      trainSize: 40,
      testSize: 20,
      epochs: 2,
      steps: 7,
      batchSize: 4,
      maxLength: 32,
      lr: 3e-3,
      seed: 5,
      out: 'x',
      skipFull: true,
      model: 'm',
      progress: false,
    });
    expect(totalSteps(o)).toBe(7);
    expect(totalSteps({ ...o, steps: null })).toBe(2 * 10);
    expect(totalSteps({ ...o, steps: null, trainSize: 41 })).toBe(2 * 11);
  });

  it('names the option and the value it rejects', () => {
    expect(() => parse(['--train-size', '0'])).toThrow('demo: --train-size must be an integer from 1 to 4864, got "0"');
    expect(() => parse(['--test-size', '600'])).toThrow('demo: --test-size must be an integer from 1 to 577, got "600"');
    expect(() => parse(['--steps', '2.5'])).toThrow('demo: --steps must be an integer ≥ 1, got "2.5"');
    expect(() => parse(['--max-length', '1'])).toThrow('demo: --max-length must be an integer from 2 to 1024, got "1"');
    expect(() => parse(['--lr', 'fast'])).toThrow('demo: --lr must be a positive number, got "fast"');
    expect(() => parse(['--backend', 'tpu'])).toThrow('demo: --backend must be one of cpu, webgpu, got "tpu"');
    expect(() => parse(['--method', 'magic'])).toThrow('demo: --method must be one of lora, ia3, got "magic"');
    expect(() => parse(['--bogus'])).toThrow(/^demo: .*'--bogus'.*\(see --help\)$/);
    expect(() => parse(['--method', '--steps', '3'])).toThrow(/^demo: .*--method.*\(see --help\)$/);
    expect(() => parse(['--epochs'])).toThrow(/^demo: .*--epochs.*\(see --help\)$/);
    expect(() => parse(['stray'])).toThrow(/^demo: .*stray.*\(see --help\)$/);
  });

  it('gives a negative or malformed number its own message, the option and the value named', () => {
    // a value starting with a dash is not taken for another option
    expect(() => parse(['--steps', '-1'])).toThrow('demo: --steps must be an integer ≥ 1, got "-1"');
    expect(() => parse(['--steps=-1'])).toThrow('demo: --steps must be an integer ≥ 1, got "-1"');
    expect(() => parse(['--epochs', '-2', '--steps', '3'])).toThrow('demo: --epochs must be an integer ≥ 1, got "-2"');
    expect(() => parse(['--seed', '-5'])).toThrow('demo: --seed must be an integer ≥ 0, got "-5"');
    expect(() => parse(['--train-size', '-.5'])).toThrow('demo: --train-size must be an integer from 1 to 4864, got "-.5"');
    expect(() => parse(['--lr', '-1e-3'])).toThrow('demo: --lr must be a positive number, got "-1e-3"');
    for (const bad of ['0', '1e3', '0x10', '2.0', '', ' ', 'Infinity', '9007199254740993', 'NaN']) {
      expect(() => parse(['--steps', bad]), bad).toThrow(`demo: --steps must be an integer ≥ 1, got ${JSON.stringify(bad)}`);
    }
    for (const bad of ['0', '-0', 'Infinity', '1e999', '0x1', 'fast']) {
      expect(() => parse(['--lr', bad]), bad).toThrow(`demo: --lr must be a positive number, got ${JSON.stringify(bad)}`);
    }
    expect(parse(['--steps', '+7', '--lr', '.5']).steps).toBe(7);
    expect(parse(['--lr', '3E-4']).lr).toBe(3e-4);
  });

  it('--help lists every option with its default, and the methods that can adapt the model and those that cannot', () => {
    expect(parseDemoArgs(['--help'], METHODS)).toEqual({ help: true });
    const help = optionHelp(METHODS, ['bone']);
    for (const flag of [
      '--method',
      '--backend',
      '--train-size',
      '--test-size',
      '--epochs',
      '--steps',
      '--max-length',
      '--out',
      '--skip-full',
      '--help',
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain('[default cpu]');
    expect(help).toMatch(/PEFT methods for --method:\n {2}lora, ia3\nregistered, but unable to adapt a GPT-2 classifier .*\n {2}bone$/);
    const many = optionHelp(Array.from({ length: 30 }, (_, i) => `method_${i}`));
    expect(many.split('\n').every((line) => line.length <= 150)).toBe(true);
    expect(many).toContain('method_29');
  });
});
