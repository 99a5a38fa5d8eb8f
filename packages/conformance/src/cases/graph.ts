import {
  dropout,
  exp,
  getBackend,
  indexSelect,
  manualSeed,
  mul,
  randn,
  scaledDotProductAttention,
  slice,
  softmax,
  softmaxBackward,
  sum,
  tensor,
  tidy,
} from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, assertThrows, check } from '../util/compare.js';
import { disposeAll, read } from '../util/tensors.js';

/** Graph semantics: accumulation into .grad, graph lifetime, and what backward refuses. */
const cases: [string, (ctx: CaseContext) => Promise<void>][] = [
  [
    'gradients accumulate across backward calls (+=) until cleared',
    async () => {
      const x = tensor([1, 2, 3], { requiresGrad: true });
      for (let i = 0; i < 2; i++) tidy(() => sum(mul(x, x)).backward());
      assertClose('x.grad after two backward calls', await read(x.grad!), [4, 8, 12], 1e-6);
      x.grad = null;
      tidy(() => sum(mul(x, 3)).backward());
      assertClose('x.grad after clearing', await read(x.grad!), [3, 3, 3], 1e-6);
      x.dispose();
    },
  ],
  [
    'a tensor used twice gets both contributions',
    async () => {
      const x = tensor([0.5, -1], { requiresGrad: true });
      tidy(() => sum(mul(exp(x), x)).backward()); // d/dx (x e^x) = e^x (1 + x)
      assertClose('x.grad', await read(x.grad!), [Math.exp(0.5) * 1.5, 0], 1e-6);
      x.dispose();
    },
  ],
  [
    'retainGraph allows a second backward; without it the next call fails clearly',
    async () => {
      const x = tensor([1, 2], { requiresGrad: true });
      const loss = tidy(() => sum(exp(x)));
      loss.backward({ retainGraph: true });
      loss.backward();
      assertClose('x.grad after two passes', await read(x.grad!), [2 * Math.E, 2 * Math.exp(2)], 1e-6);
      await assertThrows('third backward', () => loss.backward(), 'backward:', 'retainGraph: true');
      disposeAll(loss, x);
    },
  ],
  [
    'disposing intermediates before backward keeps what the graph saved',
    async () => {
      const x = tensor([0.25, 0.5], { requiresGrad: true });
      const h = exp(x);
      const loss = tidy(() => sum(mul(h, h)));
      h.dispose();
      loss.backward();
      assertClose('x.grad', await read(x.grad!), [2 * Math.exp(0.5), 2 * Math.exp(1)], 1e-6);
      disposeAll(loss, x);
    },
  ],
  [
    'backward of a non-scalar needs a gradient; requiresGrad needs a float leaf',
    async () => {
      const x = tensor([1, 2], { requiresGrad: true });
      const y = mul(x, 2);
      await assertThrows(
        'implicit gradient',
        () => y.backward(),
        'backward: a gradient can be implied only for one-element outputs, got shape [2]',
      );
      const wrong = tensor([1, 1, 1]);
      await assertThrows(
        'wrong gradient shape',
        () => y.backward({ gradient: wrong }),
        'backward: gradient must be float32 [2], got float32 [3]',
      );
      const i = tensor([1], { dtype: 'int32' });
      await assertThrows(
        'int requiresGrad',
        () => (i.requiresGrad = true),
        'requiresGrad: only float tensors can require gradients, got int32',
      );
      await assertThrows('non-leaf requiresGrad', () => (y.requiresGrad = false), 'requiresGrad: can only be set on leaf tensors');
      disposeAll(x, y, i, wrong);
    },
  ],
  [
    'an op without a gradient rule refuses inputs that require grad',
    async () => {
      const y = tensor([[0.2, 0.8]]);
      const dy = tensor([[1, 0]], { requiresGrad: true });
      await assertThrows('softmaxBackward', () => softmaxBackward('softmax', y, dy), 'softmaxBackward: has no gradient rule');
      disposeAll(y, dy);
    },
  ],
  [
    'softmax over a non-last axis has the gradient of the composed formula',
    async () => {
      manualSeed(3);
      const x = randn([3, 4]).requiresGrad_();
      const w = randn([3, 4]);
      tidy(() => sum(mul(softmax(x, 0), w)).backward());
      const fused = await read(x.grad!);
      x.grad = null;
      tidy(() => {
        const e = exp(x);
        sum(mul(e.div(sum(e, 0, true)), w)).backward();
      });
      assertClose(`softmax(dim=0) gradient on ${getBackend()}`, fused, await read(x.grad!), 1e-5);
      disposeAll(x, w);
    },
  ],
  [
    "backward stays on the tensors' backend while another backend is active",
    async (ctx) => {
      const x = await ctx.onBackend(() =>
        tensor(
          [
            [0.5, -1, 2],
            [1.5, 0.25, -0.5],
          ],
          { requiresGrad: true },
        ),
      );
      const index = await ctx.onBackend(() => tensor([1, 0, 1], { dtype: 'int32' }));
      await ctx.onReference(async () => {
        tidy(() => {
          const picked = indexSelect(slice(x, 1, 0, 2), 0, index); // [3, 2]: rows 1, 0, 1 of x[:, :2]
          const attended = scaledDotProductAttention(picked, picked, picked, { isCausal: true });
          sum(mul(dropout(attended, 0.5, false), picked)).backward();
        });
      });
      check(x.grad !== null && x.grad.backendName === x.backendName, `x.grad must live on ${x.backendName}, got ${x.grad?.backendName}`);
      const grad = await read(x.grad!);
      check(grad[2] === 0 && grad[5] === 0, 'the sliced-away column gets no gradient');
      disposeAll(x, index);
    },
  ],
];

export const graphCases: ConformanceCase[] = cases.map(([name, run]) => ({ suite: 'autograd', name, run }));
