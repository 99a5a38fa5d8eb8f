import '@peftjs/backend-cpu';
import { describe, expect, it } from 'vitest';
import { GradScaler, SGD, memory, parameter, setBackend, sum, tensor, tidy } from '../src/index.js';

describe('GradScaler (dynamic loss scaling)', () => {
  it('scales the loss, unscales the gradients, skips the step on overflow, backs off and grows back', async () => {
    await setBackend('cpu');
    const before = memory().numTensors;
    const w = parameter(tensor([1, 2]));
    const opt = new SGD([w], { lr: 0.5 });
    const scaler = new GradScaler({ initScale: 8, growthInterval: 2 });
    const run = async (x: number[]) => {
      const xt = tensor(x);
      const loss = tidy(() => sum(w.mul(xt)));
      const scaled = scaler.scale(loss);
      scaled.backward();
      expect(Array.from(w.grad!.dataSync())).toEqual(x.map((v) => v * scaler.getScale()));
      const stepped = await scaler.step(opt);
      scaler.update();
      w.grad?.dispose();
      w.grad = null;
      for (const t of [xt, loss, scaled]) t.dispose();
      return stepped;
    };
    expect(await run([1, 1])).toBe(true);
    // the gradient was unscaled before the step: w − 0.5 · 1
    expect(Array.from(w.dataSync())).toEqual([0.5, 1.5]);
    expect(scaler.getScale()).toBe(8);
    expect(await run([1, 1])).toBe(true);
    expect(scaler.getScale()).toBe(16); // grown after 2 clean steps
    expect(await run([Infinity, 1])).toBe(false);
    expect(Array.from(w.dataSync())).toEqual([0, 1]); // skipped
    expect(scaler.getScale()).toBe(8); // backed off
    expect(scaler.stateDict()).toEqual({ scale: 8, growthTracker: 0 });
    opt.dispose();
    w.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('validates options and call order; disabled passes through', async () => {
    expect(() => new GradScaler({ backoffFactor: 2 })).toThrow(/backoffFactor must be below 1/);
    expect(() => new GradScaler({ growthInterval: 0 })).toThrow(/growthInterval must be a positive integer/);
    expect(() => new GradScaler().update()).toThrow(/no step since the last update/);
    const off = new GradScaler({ enabled: false });
    expect(off.getScale()).toBe(1);
  });
});
