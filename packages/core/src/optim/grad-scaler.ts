import { noGrad } from '../autograd/grad-mode.js';
import { engine } from '../engine.js';
import { mul } from '../ops/binary.js';
import type { Tensor } from '../tensor.js';

export interface GradScalerOptions {
  /** Starting scale (PyTorch: 2^16). */
  initScale?: number;
  /** Factor the scale grows by after `growthInterval` steps without overflow (2). */
  growthFactor?: number;
  /** Factor the scale shrinks by on overflow (0.5). */
  backoffFactor?: number;
  /** Steps without overflow before the scale grows (2000). */
  growthInterval?: number;
  /** false: every method passes through (scale 1, no checks), so one loop serves float32 and float16. */
  enabled?: boolean;
}

/** What GradScaler needs of an optimizer: its parameters and a step. */
export interface ScalableOptimizer {
  readonly paramGroups: readonly { params: readonly Tensor[] }[];
  step(): void;
}

function positive(name: string, v: number, min = 0): number {
  if (typeof v !== 'number' || !(v > min) || !Number.isFinite(v))
    throw new RangeError(`GradScaler: ${name} must be a finite number above ${min}, got ${String(v)}`);
  return v;
}

/**
 * Dynamic loss scaling for float16 training (PyTorch's GradScaler): the loss is multiplied by the
 * scale so small gradients survive half precision; before the step the gradients are divided back,
 * a step whose gradients hold an infinity or NaN is skipped and the scale backs off, and after
 * `growthInterval` good steps it grows again. Backend-agnostic: the overflow check is one readback.
 *
 *   const scaler = new GradScaler();
 *   scaler.scale(loss).backward();
 *   await scaler.step(optimizer);   // unscales, skips on overflow
 *   scaler.update();
 */
export class GradScaler {
  private scaleValue: number;
  private readonly growthFactor: number;
  private readonly backoffFactor: number;
  private readonly growthInterval: number;
  readonly enabled: boolean;
  private growthTracker = 0;
  /** Overflow found by unscale since the last update (null: not unscaled yet). */
  private foundInf: boolean | null = null;
  private readonly unscaled = new Set<ScalableOptimizer>();

  constructor(options: GradScalerOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.scaleValue = positive('initScale', options.initScale ?? 2 ** 16);
    this.growthFactor = positive('growthFactor', options.growthFactor ?? 2, 1);
    this.backoffFactor = positive('backoffFactor', options.backoffFactor ?? 0.5);
    if (this.backoffFactor >= 1) throw new RangeError(`GradScaler: backoffFactor must be below 1, got ${this.backoffFactor}`);
    const interval = options.growthInterval ?? 2000;
    if (!Number.isInteger(interval) || interval < 1)
      throw new RangeError(`GradScaler: growthInterval must be a positive integer, got ${String(interval)}`);
    this.growthInterval = interval;
  }

  /** The current scale (1 when disabled). */
  getScale(): number {
    return this.enabled ? this.scaleValue : 1;
  }

  /** loss · scale, a new tensor (the graph flows through it). */
  scale(loss: Tensor): Tensor {
    return this.enabled ? mul(loss, this.scaleValue) : loss;
  }

  /**
   * Divides the optimizer's gradients by the scale in place and records whether any is not finite
   * (PyTorch's unscale_; call it before gradient clipping). Once per optimizer per step.
   */
  async unscale(optimizer: ScalableOptimizer): Promise<void> {
    if (!this.enabled) return;
    if (this.unscaled.has(optimizer)) throw new Error('GradScaler.unscale: already called for this optimizer since the last update()');
    this.unscaled.add(optimizer);
    const inv = 1 / this.scaleValue;
    let inf = false;
    for (const group of optimizer.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (!g) continue;
        const scaled = noGrad(() => mul(g, inv));
        const values = await scaled.data();
        for (let i = 0; i < values.length && !inf; i++) if (!Number.isFinite(values[i])) inf = true;
        p.grad = engine().keep(scaled);
        g.dispose();
      }
    }
    this.foundInf = (this.foundInf ?? false) || inf;
  }

  /** Unscales (if not done yet) and steps, unless a gradient overflowed. True when the step ran. */
  async step(optimizer: ScalableOptimizer): Promise<boolean> {
    if (!this.enabled) {
      optimizer.step();
      return true;
    }
    if (!this.unscaled.has(optimizer)) await this.unscale(optimizer);
    if (this.foundInf) return false;
    optimizer.step();
    return true;
  }

  /** Backs off after an overflow, grows after growthInterval clean steps (PyTorch's update). */
  update(): void {
    if (!this.enabled) return;
    if (this.foundInf === null) throw new Error('GradScaler.update: no step since the last update (call step() first)');
    if (this.foundInf) {
      this.scaleValue *= this.backoffFactor;
      this.growthTracker = 0;
    } else if (++this.growthTracker === this.growthInterval) {
      this.scaleValue *= this.growthFactor;
      this.growthTracker = 0;
    }
    this.foundInf = null;
    this.unscaled.clear();
  }

  stateDict(): { scale: number; growthTracker: number } {
    return { scale: this.scaleValue, growthTracker: this.growthTracker };
  }

  loadStateDict(state: { scale: number; growthTracker: number }): void {
    this.scaleValue = positive('scale', state.scale);
    if (!Number.isInteger(state.growthTracker) || state.growthTracker < 0)
      throw new RangeError(`GradScaler: growthTracker must be a non-negative integer, got ${String(state.growthTracker)}`);
    this.growthTracker = state.growthTracker;
  }
}
