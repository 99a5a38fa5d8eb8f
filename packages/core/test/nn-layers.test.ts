import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@peftjs/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Conv1D,
  Conv2d,
  Dropout,
  Embedding,
  GatedMLP,
  LayerNorm,
  Linear,
  Module,
  ModuleList,
  MultiHeadAttention,
  RMSNorm,
  conv2d,
  manualSeed,
  memory,
  randn,
  rotaryEmbedding,
  setBackend,
  sum,
  tensor,
  tidy,
  type Tensor,
} from '../src/index.js';

const values = async (t: Tensor) => [...(await t.data())];
const tfOf = async (t: Tensor) => tf.tensor(await values(t), [...t.shape]);
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('nn layers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await setBackend('cpu');
  });

  it('Embedding looks up rows like tf.gather and accumulates gradients for repeated ids', async () => {
    manualSeed(1);
    const emb = new Embedding(6, 4);
    const ids = tensor([[1, 3, 1]], { dtype: 'int32' });
    const y = emb.forward(ids);
    expect(y.shape).toEqual([1, 3, 4]);
    expectClose(await y.data(), tf.gather(await tfOf(emb.weight), [1, 3, 1]).dataSync(), 0);
    tidy(() => sum(y).backward());
    const g = await values(emb.weight.grad!);
    expect(g.slice(4, 8)).toEqual([2, 2, 2, 2]);
    expect(g.slice(12, 16)).toEqual([1, 1, 1, 1]);
    expect(g.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(() => emb.forward(tensor([0.5]))).toThrow('Embedding: ids must be integers (int32), got float32 [1]');
    [ids, y].forEach((t) => t.dispose());
    emb.dispose();
  });

  it('LayerNorm and RMSNorm match their formulas (TensorFlow.js moments)', async () => {
    manualSeed(2);
    const x = randn([3, 8]);
    const ln = new LayerNorm(8, { eps: 1e-5 });
    const rms = new RMSNorm(8, { eps: 1e-6 });
    const tx = await tfOf(x);
    const { mean, variance } = tf.moments(tx, -1, true);
    expectClose(await ln.forward(x).data(), tx.sub(mean).div(variance.add(1e-5).sqrt()).dataSync(), 1e-5);
    const rmsWant = tx.div(tx.square().mean(-1, true).add(1e-6).sqrt());
    expectClose(await rms.forward(x).data(), rmsWant.dataSync(), 1e-5);
    expect([...ln.stateDict().keys()]).toEqual(['weight', 'bias']);
    expect([...rms.stateDict().keys()]).toEqual(['weight']);
  });

  it('Dropout is the identity in eval mode and drops with scaling while training', async () => {
    manualSeed(3);
    const d = new Dropout(0.25);
    const x = tensor(new Float32Array(4000).fill(1));
    const y = await values(d.forward(x));
    const kept = y.filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(Math.abs(kept.length / 4000 - 0.75)).toBeLessThan(0.03);
    d.eval();
    expect(await values(d.forward(x))).toEqual([...(await x.data())]);
    expect(() => new Dropout(1.5)).toThrow('Dropout: p must be in [0, 1], got 1.5');
  });

  it("Conv1D is GPT-2's transposed linear layer: x W + b with W [in, out]", async () => {
    manualSeed(4);
    const c = new Conv1D(5, 3);
    expect(c.weight.shape).toEqual([3, 5]);
    const x = randn([2, 4, 3]);
    const want = tf.add(tf.matMul((await tfOf(x)).reshape([8, 3]), await tfOf(c.weight)), await tfOf(c.bias));
    expectClose(await c.forward(x).data(), want.dataSync(), 1e-6);
  });

  it('conv2d matches tf.conv2d forward and gradients, with stride, padding and dilation', async () => {
    manualSeed(5);
    for (const [stride, padding, dilation] of [
      [1, 0, 1],
      [2, 1, 1],
      [[1, 2], [2, 1], 1],
      [1, 2, 2],
    ] as const) {
      const x = randn([2, 3, 7, 6]).requiresGrad_();
      const w = randn([4, 3, 3, 2]).requiresGrad_();
      const b = randn([4]).requiresGrad_();
      const y = conv2d(x, w, b, { stride, padding, dilation });
      const gy = randn(y.shape);
      tidy(() => sum(y.mul(gy)).backward());
      const pad = typeof padding === 'number' ? [padding, padding] : padding;
      const f = (tx: tf.Tensor4D, tw: tf.Tensor4D, tb: tf.Tensor1D) => {
        const padded = tf.pad(tx.transpose([0, 2, 3, 1]), [
          [0, 0],
          [pad[0], pad[0]],
          [pad[1], pad[1]],
          [0, 0],
        ]) as tf.Tensor4D;
        const out = tf.conv2d(
          padded,
          tw.transpose([2, 3, 1, 0]) as tf.Tensor4D,
          stride as [number, number] | number,
          'valid',
          'NHWC',
          dilation,
        );
        return out.add(tb).transpose([0, 3, 1, 2]);
      };
      const [tx, tw, tb, tgy] = [await tfOf(x), await tfOf(w), await tfOf(b), await tfOf(gy)];
      const want = f(tx as tf.Tensor4D, tw as tf.Tensor4D, tb as tf.Tensor1D);
      expect(y.shape).toEqual(want.shape);
      expectClose(await y.data(), want.dataSync(), 1e-5);
      if (dilation !== 1) continue; // TF.js has no conv2d gradient with dilation
      const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        f(a as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor1D)
          .mul(tgy)
          .sum(),
      )([tx, tw, tb]);
      expectClose(await x.grad!.data(), grads[0].dataSync(), 1e-4);
      expectClose(await w.grad!.data(), grads[1].dataSync(), 1e-4);
      expectClose(await b.grad!.data(), grads[2].dataSync(), 1e-4);
    }
    const layer = new Conv2d(3, 8, 4, { stride: 4 });
    expect(layer.forward(randn([1, 3, 8, 8])).shape).toEqual([1, 8, 2, 2]);
    expect(() => conv2d(randn([1, 2, 4, 4]), randn([1, 3, 2, 2]))).toThrow(
      'conv2d: weight must be [O, 2, kh, kw] for x [1,2,4,4], got [1,3,2,2]',
    );
  });

  it("rotaryEmbedding follows Llama's rotate_half: pairs (i, i + D/2) rotate by position · theta^(−2i/D)", async () => {
    const x = tensor([
      [
        [1, 2, 3, 4],
        [1, 2, 3, 4],
      ],
    ]); // [1, T=2, D=4]
    const y = await values(rotaryEmbedding(x, { theta: 100 }));
    expect(y.slice(0, 4)).toEqual([1, 2, 3, 4]);
    const f = [1, 1 / 10]; // theta^(−2i/D) for i = 0, 1
    const want = [
      1 * Math.cos(f[0]) - 3 * Math.sin(f[0]),
      2 * Math.cos(f[1]) - 4 * Math.sin(f[1]),
      3 * Math.cos(f[0]) + 1 * Math.sin(f[0]),
      4 * Math.cos(f[1]) + 2 * Math.sin(f[1]),
    ];
    expectClose(y.slice(4), want, 1e-6);
  });

  it('MultiHeadAttention (grouped-query, RoPE, causal, padding mask) matches a TensorFlow.js composition', async () => {
    manualSeed(6);
    const [B, T, C, H, KV, D] = [2, 5, 8, 4, 2, 2];
    const attn = new MultiHeadAttention(C, H, { numKeyValueHeads: KV, causal: true, rope: { theta: 10000 }, bias: true });
    const x = randn([B, T, C]);
    const mask = tensor(
      [
        [1, 1, 1, 1, 1],
        [0, 0, 1, 1, 1],
      ],
      { dtype: 'int32' },
    );
    const y = attn.forward(x, { attentionMask: mask });
    const p = async (name: string) => tfOf(attn.stateDict().get(name)!);
    const proj = async (n: string, heads: number) =>
      tf
        .add(tf.matMul((await tfOf(x)).reshape([B * T, C]), await p(`${n}.weight`), false, true), await p(`${n}.bias`))
        .reshape([B, T, heads, D])
        .transpose([0, 2, 1, 3]);
    const angles = tf.tensor(
      Array.from({ length: T }, (_, t) => [t, t].flatMap((pos) => [pos * 1])).map(([pos]) => [pos, pos]),
      [T, D],
    );
    const rope = (q: tf.Tensor) => {
      const [q1, q2] = tf.split(q, 2, -1);
      return q.mul(angles.cos()).add(tf.concat([q2.neg(), q1], -1).mul(angles.sin()));
    };
    const q = rope(await proj('q_proj', H));
    const repeat = (t: tf.Tensor) => tf.stack([t, t], 2).reshape([B, H, T, D]);
    const k = repeat(rope(await proj('k_proj', KV)));
    const v = repeat(await proj('v_proj', KV));
    const allowed = tf.linalg
      .bandPart(tf.ones([T, T]), -1, 0)
      .reshape([1, 1, T, T])
      .mul(
        tf
          .tensor([
            [1, 1, 1, 1, 1],
            [0, 0, 1, 1, 1],
          ])
          .reshape([B, 1, 1, T]),
      );
    const scores = tf.matMul(q, k, false, true).div(Math.sqrt(D)).add(tf.scalar(1).sub(allowed).mul(-1e9));
    const o = tf
      .matMul(tf.softmax(scores), v)
      .transpose([0, 2, 1, 3])
      .reshape([B * T, C]);
    const want = tf.add(tf.matMul(o, await p('o_proj.weight'), false, true), await p('o_proj.bias'));
    // the first two rows of sequence 1 have no key left to attend: compare the rest
    const got = await values(y);
    const wanted = [...want.dataSync()];
    const rows = (a: number[]) => a.filter((_, i) => !(Math.floor(i / (T * C)) === 1 && Math.floor(i / C) % T < 2));
    expectClose(rows(got), rows(wanted), 1e-5);
    expect(got.every(Number.isFinite)).toBe(true);
    expect([...attn.stateDict().keys()]).toEqual([
      'q_proj.weight',
      'q_proj.bias',
      'k_proj.weight',
      'k_proj.bias',
      'v_proj.weight',
      'v_proj.bias',
      'o_proj.weight',
      'o_proj.bias',
    ]);
    expect(() => new MultiHeadAttention(8, 3)).toThrow('MultiHeadAttention: hiddenSize 8 is not divisible by numHeads 3; pass headDim');
  });

  it('GatedMLP gives down(silu(gate x) · up x); its gradients match finite differences in float64', async () => {
    manualSeed(7);
    const mlp = new GatedMLP(4, 6);
    const x = randn([3, 4]);
    const [g, u, d] = await Promise.all(['gate_proj', 'up_proj', 'down_proj'].map((n) => tfOf(mlp.stateDict().get(`${n}.weight`)!)));
    const tx = await tfOf(x);
    const want = tf.matMul(
      tf.mul(tf.matMul(tx, g, false, true).mul(tf.sigmoid(tf.matMul(tx, g, false, true))), tf.matMul(tx, u, false, true)),
      d,
      false,
      true,
    );
    expectClose(await mlp.forward(x).data(), want.dataSync(), 1e-5);

    // central differences in float64 on every entry of every weight
    mlp.to('float64');
    const x64 = x.cast('float64');
    const loss = () => tidy(() => sum(mlp.forward(x64).square()));
    tidy(() => loss().backward());
    const eps = 1e-6;
    let compared = 0;
    for (const name of ['gate_proj', 'up_proj', 'down_proj']) {
      const weight = mlp.stateDict().get(`${name}.weight`)!;
      expect(weight.dtype).toBe('float64');
      const analytic = await values(weight.grad!);
      const original = await values(weight);
      for (let i = 0; i < original.length; i++) {
        const at = (delta: number) => {
          const moved = [...original];
          moved[i] += delta;
          weight.assign(tensor(moved, { shape: weight.shape, dtype: 'float64' }));
          const l = loss();
          const v = l.itemSync();
          l.dispose();
          return v;
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        weight.assign(tensor(original, { shape: weight.shape, dtype: 'float64' }));
        expect(Math.abs(numeric - analytic[i]), `${name}.weight[${i}]`).toBeLessThan(1e-7 * Math.max(1, Math.abs(numeric)));
        compared++;
      }
    }
    expect(compared).toBe(3 * 24);
    x64.dispose();
  });

  it('ties weights: one tensor under two names, listed twice in stateDict and once in parameters', async () => {
    class Tied extends Module {
      constructor() {
        super();
        this.registerModule('embed', new Embedding(5, 3));
        this.registerModule('head', new Linear(3, 5, { bias: false }));
        this.child('head').tieParameter('weight', this.child<Embedding>('embed').weight);
      }
      forward(): void {}
    }
    const m = new Tied();
    expect([...m.stateDict().keys()]).toEqual(['embed.weight', 'head.weight']);
    expect(m.stateDict().get('embed.weight')).toBe(m.stateDict().get('head.weight'));
    expect(m.parameters().length).toBe(1);
    const w = tensor(
      Array.from({ length: 15 }, (_, i) => i),
      { shape: [5, 3] },
    );
    expect(m.loadStateDict({ 'embed.weight': w })).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(await values(m.stateDict().get('head.weight')!)).toEqual([...(await w.data())]);
    expect(() => m.loadStateDict({ other: w })).toThrow('loadStateDict: missing keys [embed.weight, head.weight]; unexpected keys [other]');
    w.dispose();
    m.dispose();
  });

  it('ModuleList names children 0, 1, ... and follows setSubmodule replacements; forward leaks no tensors', async () => {
    const list = new ModuleList([new Linear(2, 2), new Linear(2, 2)]);
    expect([...list.stateDict().keys()]).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    const replacement = new Linear(2, 2, { bias: false });
    list.setSubmodule('1', replacement);
    expect(list.at(1)).toBe(replacement);
    expect([...list].length).toBe(2);
    expect(() => list.at(2)).toThrow('ModuleList: index 2 is out of range for 2 modules');

    const attn = new MultiHeadAttention(8, 2, { causal: true, rope: { theta: 10000 } });
    const x = randn([1, 3, 8]);
    const before = memory().numTensors;
    attn.forward(x).dispose();
    expect(memory().numTensors).toBe(before);
  });
});
