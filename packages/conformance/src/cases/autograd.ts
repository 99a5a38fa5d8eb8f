import { customOp, enableGrad, exp, grad, mul, noGrad, sum, tensor, tidy, valueAndGrad, type Tensor } from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertClose, check } from '../util/compare.js';
import { disposeAll, read } from '../util/tensors.js';

const A = [0.5, -1, 2];
const B = [1.5, 0.25, -2];

const cases: [string, (ctx: CaseContext) => Promise<void>][] = [
  [
    'valueAndGrad gives the value and the gradients',
    async () => {
      const a = tensor(A);
      const b = tensor(B);
      const { value, grads } = tidy(() => valueAndGrad((x: Tensor, y: Tensor) => sum(mul(exp(x), y)))(a, b));
      try {
        const ea = A.map(Math.exp);
        assertClose('value', await read(value), [ea.reduce((s, e, i) => s + e * B[i], 0)], 1e-6);
        assertClose(
          'd/da',
          await read(grads[0]),
          ea.map((e, i) => e * B[i]),
          1e-6,
        );
        assertClose('d/db', await read(grads[1]), ea, 1e-6);
        check(!a.requiresGrad && a.grad === null, 'valueAndGrad must not change its arguments');
      } finally {
        disposeAll(value, grads, a, b);
      }
    },
  ],
  [
    'grad gives zeros for an unused argument',
    async () => {
      const a = tensor(A);
      const b = tensor(B);
      const grads = tidy(() => grad((x: Tensor, _y: Tensor) => sum(mul(x, x)))(a, b));
      try {
        assertClose(
          'd/da',
          await read(grads[0]),
          A.map((v) => 2 * v),
          1e-6,
        );
        assertClose('d/db', await read(grads[1]), [0, 0, 0], 0);
      } finally {
        disposeAll(grads, a, b);
      }
    },
  ],
  [
    'customOp runs its forward and backward',
    async () => {
      const cube = customOp({
        name: 'cube',
        forward: (ctx, x: Tensor) => {
          ctx.saveForBackward(x);
          return mul(mul(x, x), x);
        },
        backward: (ctx, g) => mul(g, mul(mul(ctx.saved[0], ctx.saved[0]), 3)),
      });
      const x = tensor(A).requiresGrad_();
      const y = tidy(() => sum(cube(x) as Tensor));
      try {
        assertClose('cube', await read(y), [A.reduce((s, v) => s + v ** 3, 0)], 1e-6);
        y.backward();
        assertClose(
          'd cube',
          await read(x.grad!),
          A.map((v) => 3 * v * v),
          1e-6,
        );
      } finally {
        disposeAll(y, x);
      }
    },
  ],
  [
    'noGrad records nothing; enableGrad inside it does',
    async () => {
      const x = tensor(A).requiresGrad_();
      const [off, on] = noGrad(() => [mul(x, 2), enableGrad(() => mul(x, 2))]);
      try {
        check(!off.requiresGrad && off.gradFn === null, 'noGrad: the result must not require grad');
        check(on.requiresGrad && on.gradFn === 'mul', 'enableGrad: the result must have gradFn mul');
      } finally {
        disposeAll(off, on, x);
      }
    },
  ],
  [
    'detach stops the gradient; gradients accumulate until reset',
    async () => {
      const x = tensor(A).requiresGrad_();
      try {
        tidy(() => sum(mul(x.detach(), x)).backward());
        assertClose('d (stop(x) x)', await read(x.grad!), A, 0);
        tidy(() => sum(mul(x, 2)).backward());
        assertClose(
          'accumulated',
          await read(x.grad!),
          A.map((v) => v + 2),
          0,
        );
        x.grad = null;
        tidy(() => sum(x).backward());
        assertClose('after reset', await read(x.grad!), [1, 1, 1], 0);
      } finally {
        x.dispose();
      }
    },
  ],
];

export const autogradCases: ConformanceCase[] = cases.map(([name, run]) => ({ suite: 'autograd', name, run }));
