import { engine } from '../engine.js';
import { Tensor } from '../tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { add, div, maximum, minimum, mul, pow } from '../ops/binary.js';
import { max, sum } from '../ops/reduce.js';
import { abs, square, sqrt } from '../ops/unary.js';
import { scalar } from '../ops/creation.js';

type ParamsLike = Tensor | Iterable<Tensor>;

function withGrads(params: ParamsLike): Tensor[] {
  return (params instanceof Tensor ? [params] : [...params]).filter((p) => p.grad !== null);
}

/**
 * PyTorch's `clip_grad_norm_`: the norm of all gradients together (as if concatenated), and when it
 * exceeds `maxNorm` every gradient is scaled by maxNorm / (norm + 1e-6). Returns the total norm (a
 * scalar tensor, read it with `await norm.item()`); no readback happens here.
 */
export function clipGradNorm(params: ParamsLike, maxNorm: number, normType = 2): Tensor {
  if (!(maxNorm >= 0) || !Number.isFinite(maxNorm))
    throw new RangeError(`clipGradNorm: maxNorm must be a finite number >= 0, got ${maxNorm}`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm: normType must be > 0 or Infinity, got ${normType}`);
  const withGrad = withGrads(params);
  if (withGrad.length === 0) return scalar(0);
  const grads = withGrad.map((p) => p.grad!);
  return noGrad(() => {
    const total = engine().scoped(() => {
      if (normType === Infinity) return grads.map((g) => max(abs(g))).reduce((a, b) => maximum(a, b));
      const perGrad = grads.map((g) => (normType === 2 ? sum(square(g)) : sum(pow(abs(g), normType))));
      const summed = perGrad.reduce((a, b) => add(a, b));
      return normType === 2 ? sqrt(summed) : pow(summed, 1 / normType);
    });
    engine().scoped(() => {
      const coefficient = minimum(div(maxNorm, add(total, 1e-6)), 1);
      for (const p of withGrad) p.grad = mul(p.grad!, coefficient);
    });
    return total;
  });
}

/** PyTorch's `clip_grad_value_`: clamps every gradient element into [−clipValue, clipValue]. */
export function clipGradValue(params: ParamsLike, clipValue: number): void {
  if (!(clipValue >= 0) || !Number.isFinite(clipValue))
    throw new RangeError(`clipGradValue: clipValue must be a finite number >= 0, got ${clipValue}`);
  const list = withGrads(params);
  noGrad(() =>
    engine().scoped(() => {
      for (const p of list) p.grad = minimum(maximum(p.grad!, -clipValue), clipValue);
    }),
  );
}
