import type { Args } from '../kernels/args.js';
import { isDense } from './rows.js';

/**
 * The AdamW update for dense float32 operands in one loop: the reference's float64 formula, so the
 * results are the reference's bit for bit. Anything else goes to the reference.
 */
export function fastAdamwStep(args: Args<'adamwStep'>): boolean {
  const { param, grad, m, v, paramOut, mOut, vOut, lr, beta1, beta2, eps, weightDecay, step } = args;
  const pd = param.storage.data;
  const gd = grad.storage.data;
  const po = paramOut.storage.data;
  const mo = mOut.storage.data;
  const vo = vOut.storage.data;
  if (!(
    pd instanceof Float32Array &&
    gd instanceof Float32Array &&
    po instanceof Float32Array &&
    mo instanceof Float32Array &&
    vo instanceof Float32Array
  ))
    return false;
  if (!isDense(param.layout) || !isDense(grad.layout)) return false;
  const md = m?.storage.data;
  const vd = v?.storage.data;
  if (m && v) {
    if (!(md instanceof Float32Array && vd instanceof Float32Array) || !isDense(m.layout) || !isDense(v.layout)) return false;
  } else if (m || v) return false;
  const decay = 1 - lr * weightDecay;
  const c1 = 1 - beta1 ** step;
  const c2 = 1 - beta2 ** step;
  const n = po.length;
  const p0 = param.layout.offset;
  const g0 = grad.layout.offset;
  if (md instanceof Float32Array && vd instanceof Float32Array) {
    const m0 = m!.layout.offset;
    const v0 = v!.layout.offset;
    for (let j = 0; j < n; j++) {
      const g = gd[g0 + j];
      const m1 = beta1 * md[m0 + j] + (1 - beta1) * g;
      const v1 = beta2 * vd[v0 + j] + (1 - beta2) * g * g;
      mo[j] = m1;
      vo[j] = v1;
      po[j] = pd[p0 + j] * decay - (lr * (m1 / c1)) / (Math.sqrt(v1 / c2) + eps);
    }
    return true;
  }
  for (let j = 0; j < n; j++) {
    const g = gd[g0 + j];
    const m1 = (1 - beta1) * g;
    const v1 = (1 - beta2) * g * g;
    mo[j] = m1;
    vo[j] = v1;
    po[j] = pd[p0 + j] * decay - (lr * (m1 / c1)) / (Math.sqrt(v1 / c2) + eps);
  }
  return true;
}
