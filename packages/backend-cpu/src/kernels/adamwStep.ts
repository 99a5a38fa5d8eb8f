import type { Args } from './args.js';
import { ElementOffsets } from './strided.js';

/**
 * One AdamW update (see core's OptionalKernelSignatures.adamwStep), element by element in float64:
 * m' = β1 m + (1 − β1) g,  v' = β2 v + (1 − β2) g²,  p' = p (1 − lr·wd) − lr · m̂ / (√v̂ + eps).
 */
export function adamwStep(args: Args<'adamwStep'>): void {
  const { param, grad, m, v, paramOut, mOut, vOut, lr, beta1, beta2, eps, weightDecay, step } = args;
  const [pi, gi, mi, vi] = [param, grad, m, v].map((t) => (t ? new ElementOffsets(t.layout) : null));
  const [pd, gd, md, vd] = [param, grad, m, v].map((t) => (t ? t.storage.data : null));
  const po = paramOut.storage.data;
  const mo = mOut.storage.data;
  const vo = vOut.storage.data;
  const decay = 1 - lr * weightDecay;
  const c1 = 1 - beta1 ** step;
  const c2 = 1 - beta2 ** step;
  for (let j = 0; j < pi!.length; j++) {
    const g = gd![gi!.at(j)];
    const m1 = beta1 * (md ? md[mi!.at(j)] : 0) + (1 - beta1) * g;
    const v1 = beta2 * (vd ? vd[vi!.at(j)] : 0) + (1 - beta2) * g * g;
    mo[j] = m1;
    vo[j] = v1;
    po[j] = pd![pi!.at(j)] * decay - (lr * (m1 / c1)) / (Math.sqrt(v1 / c2) + eps);
  }
}
