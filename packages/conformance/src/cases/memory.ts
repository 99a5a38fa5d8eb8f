import {
  add,
  exp,
  keep,
  manualSeed,
  matmul,
  memory,
  mseLoss,
  mul,
  ones,
  randn,
  relu,
  scope,
  sin,
  sum,
  tensor,
  tidy,
  zeros,
  type Tensor,
} from '@peftjs/core';
import type { CaseContext, ConformanceCase } from '../types.js';
import { assertEqual, check } from '../util/compare.js';
import { disposeAll, read } from '../util/tensors.js';

const counts = (ctx: CaseContext): number[] => {
  const m = memory();
  return [m.numTensors, m.numDataBuffers, ctx.backend.numLiveBuffers()];
};
const same = (label: string, got: number[], want: number[]) => assertEqual(`${label} (tensors, data buffers, backend buffers)`, got, want);

const cases: [string, (ctx: CaseContext) => Promise<void>][] = [
  [
    'tidy disposes what it made except its result',
    async (ctx) => {
      const before = counts(ctx);
      const r = tidy(() => mul(add(ones([4]), 1), 2));
      same('after tidy', counts(ctx), [before[0] + 1, before[1] + 1, before[2] + 1]);
      assertEqual('tidy result', await read(r), [4, 4, 4, 4]);
      r.dispose();
      same('after dispose', counts(ctx), before);
    },
  ],
  [
    'tidy keeps returned structures and keep()',
    async (ctx) => {
      const before = counts(ctx);
      let kept: Tensor | undefined;
      const r = tidy(() => {
        kept = keep(ones([2]));
        zeros([3]);
        return { a: ones([1]), list: [zeros([2])] };
      });
      same(
        'after tidy',
        counts(ctx),
        before.map((c) => c + 3),
      );
      disposeAll(r.a, r.list, kept);
      same('after dispose', counts(ctx), before);
    },
  ],
  [
    'nested tidy moves results to the outer scope',
    async (ctx) => {
      const before = counts(ctx);
      tidy(() => {
        const inner = tidy(() => add(ones([2]), ones([2])));
        check(!inner.isDisposed, 'the inner result must survive the inner tidy');
      });
      same('after both', counts(ctx), before);
    },
  ],
  [
    'tidy may return a view of a temporary',
    async (ctx) => {
      const before = counts(ctx);
      const v = tidy(() => add(ones([2, 3]), 1).transpose(0, 1));
      same(
        'after tidy',
        counts(ctx),
        before.map((c) => c + 1),
      );
      assertEqual('view of the temporary', await read(v), [2, 2, 2, 2, 2, 2]);
      v.dispose();
      same('after dispose', counts(ctx), before);
    },
  ],
  [
    'scope() for async code',
    async (ctx) => {
      const before = counts(ctx);
      const s = scope();
      const y = add(ones([3]), 1);
      await y.data();
      const z = s.keep(mul(y, 3));
      s.dispose();
      check(y.isDisposed && !z.isDisposed, 'scope: made tensors are disposed, kept ones are not');
      z.dispose();
      same('after scope', counts(ctx), before);
    },
  ],
  [
    'views share storage and outlive their base',
    async (ctx) => {
      const before = counts(ctx);
      const x = tensor([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      const v = x.transpose(0, 1);
      same('a view adds a handle but no buffer', counts(ctx), [before[0] + 2, before[1] + 1, before[2] + 1]);
      x.dispose();
      assertEqual('view after its base was disposed', await read(v), [1, 4, 2, 5, 3, 6]);
      v.dispose();
      same('after dispose', counts(ctx), before);
    },
  ],
  [
    'dispose is idempotent and Symbol.dispose works',
    async (ctx) => {
      const before = counts(ctx);
      const x = ones([2]);
      x.dispose();
      x.dispose();
      const y = ones([2]);
      y[Symbol.dispose]();
      same('after dispose', counts(ctx), before);
    },
  ],
  [
    'backward frees the graph; dropping an output frees it too',
    async (ctx) => {
      const before = counts(ctx);
      const x = tensor([0.5, -1, 2]).requiresGrad_();
      const loss = tidy(() => sum(exp(mul(x, x))));
      loss.backward();
      loss.dispose();
      same('after backward', counts(ctx), [before[0] + 2, before[1] + 2, before[2] + 2]); // x and x.grad
      const unused = tidy(() => sum(exp(mul(x, x))));
      unused.dispose();
      same('after dropping an unused graph', counts(ctx), [before[0] + 2, before[1] + 2, before[2] + 2]);
      x.grad = null;
      x.dispose();
      same('after dispose', counts(ctx), before);
    },
  ],
  [
    'assign replaces storage without growing memory',
    async (ctx) => {
      const w = ones([3]);
      const before = counts(ctx);
      for (let i = 0; i < 10; i++) tidy(() => w.assign(add(w, 1)));
      same('after 10 assigns', counts(ctx), before);
      assertEqual('assigned values', await read(w), [11, 11, 11]);
      w.dispose();
    },
  ],
  [
    'a 1,000-step MLP training loop keeps memory flat',
    async (ctx) => {
      manualSeed(0);
      const x = randn([32, 8]);
      const y = tidy(() => sin(sum(x, -1, true)));
      const params = tidy(() => [mul(randn([8, 16]), 0.35), zeros([16]), mul(randn([16, 1]), 0.25), zeros([1])]);
      params.forEach((p) => (p.requiresGrad = true));
      const [w1, b1, w2, b2] = params;
      const step = (): Tensor =>
        tidy(() => {
          const h = relu(add(matmul(x, w1), b1));
          const loss = mseLoss(add(matmul(h, w2), b2), y);
          loss.backward();
          for (const p of params) {
            p.assign(p.sub(mul(p.grad!, 0.05)));
            p.grad = null;
          }
          return loss.detach();
        });
      try {
        const first = step();
        const initial = (await read(first))[0];
        first.dispose();
        const start = counts(ctx);
        let last = 0;
        for (let i = 1; i < 1000; i++) {
          const loss = step();
          if (i === 999) last = (await read(loss))[0];
          loss.dispose();
          if (i % 250 === 0) same(`memory at step ${i}`, counts(ctx), start);
        }
        same('memory after 1,000 steps', counts(ctx), start);
        check(last < initial * 0.5, `training: the loss went from ${initial} to ${last}; expected it to at least halve`);
      } finally {
        disposeAll(params, x, y);
      }
    },
  ],
];

export const memoryCases: ConformanceCase[] = cases.map(([name, run]) => ({ suite: 'memory', name, run, timeout: 120_000 }));
