import '@peftjs/backend-cpu';
import {
  Conv1D,
  Module,
  add,
  conv2d,
  dispose,
  dropout,
  manualSeed,
  matmul,
  memory,
  randn,
  setBackend,
  tensor,
  tidy,
  type Tensor,
} from '@peftjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  LoraConfig,
  LoraConv2d,
  LoraEmbedding,
  LoraLayer,
  getPeftModel,
  parseAdapterFiles,
  peftModelFromFiles,
  saveAdapterFiles,
  type PeftModel,
} from '../src/index.js';
import { ConvNet, EmbedNet, TinyNet } from './helpers/models.js';
import { checkGradients, maxAbs, maxAbsDiff, run, setValues, values } from './helpers/numeric.js';

beforeAll(async () => {
  await setBackend('cpu');
});

/** Gives every trainable tensor non-trivial values (the inits make most adapters an identity). */
async function perturb(peft: PeftModel, amount = 0.3): Promise<void> {
  let seed = 1;
  for (const [, p] of peft.namedParameters()) {
    if (!p.requiresGrad) continue;
    const v = await values(p);
    setValues(
      p,
      v.map((x, i) => x + amount * Math.sin(++seed + 0.7 * i)),
    );
  }
}

/** Merged output equals the adapter's output; unmerging restores the base weights exactly enough. */
async function checkMerge(peft: PeftModel, ...inputs: unknown[]): Promise<number> {
  const before = new Map([...peft.getBaseModel().stateDict()].map(([k, t]) => [k, t.clone()]));
  const want = await run(peft, ...inputs);
  await peft.mergeAdapter({ safeMerge: true });
  const merged = await run(peft, ...inputs);
  const err = maxAbsDiff(merged.values, want.values);
  expect(err).toBeLessThan(1e-4 * Math.max(1, maxAbs(want.values)));
  peft.unmergeAdapter();
  for (const [k, t] of peft.getBaseModel().stateDict())
    expect(maxAbsDiff(await values(t), await values(before.get(k)!)), k).toBeLessThan(1e-5);
  dispose([...before.values()]);
  return err;
}

describe('LoRA on Embedding', () => {
  it("has PEFT's parameter dicts and shapes, A = 0 and B ~ N(0, 1) at init, and saves lora_embedding_A / _B", async () => {
    manualSeed(1);
    const peft = getPeftModel(new EmbedNet(11, 6), new LoraConfig({ r: 3, loraAlpha: 6, targetModules: ['embed'] }));
    const names = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(names).toEqual(['base_model.model.embed.lora_embedding_A.default', 'base_model.model.embed.lora_embedding_B.default']);
    const layer = peft.getBaseModel().getSubmodule('embed') as LoraEmbedding;
    expect(layer).toBeInstanceOf(LoraEmbedding);
    expect(layer.loraEmbeddingA.at('default').shape).toEqual([3, 11]);
    expect(layer.loraEmbeddingB.at('default').shape).toEqual([6, 3]);
    expect(maxAbs(await values(layer.loraEmbeddingA.at('default')))).toBe(0);
    expect(maxAbs(await values(layer.loraEmbeddingB.at('default')))).toBeGreaterThan(0.5);
    const files = await saveAdapterFiles(peft);
    const { state } = parseAdapterFiles(files);
    expect([...state.keys()].sort()).toEqual(['base_model.model.embed.lora_embedding_A', 'base_model.model.embed.lora_embedding_B']);
    dispose([...state.values()]);
    peft.dispose();
  });

  it('forward is E[ids] + s·(A[:, ids])ᵀBᵀ, gradients match finite differences, merging gives the same output', async () => {
    manualSeed(2);
    const net = new EmbedNet(11, 6).to('float64');
    const ids = tensor(
      [
        [1, 4, 10],
        [0, 4, 7],
      ],
      { dtype: 'int32' },
    );
    const peft = getPeftModel(net, new LoraConfig({ r: 2, loraAlpha: 3, targetModules: ['embed', 'head'] }));
    await perturb(peft);
    const layer = peft.getBaseModel().getSubmodule('embed') as LoraEmbedding;
    // by hand: row id of E plus s · Σ_k A[k, id] B[:, k]
    const [a, b, e] = [
      await values(layer.loraEmbeddingA.at('default')),
      await values(layer.loraEmbeddingB.at('default')),
      await values(layer.base.weight),
    ];
    const out = await run(layer, ids);
    const idv = [1, 4, 10, 0, 4, 7];
    let worst = 0;
    idv.forEach((id, row) => {
      for (let d = 0; d < 6; d++) {
        let lora = 0;
        for (let k = 0; k < 2; k++) lora += a[k * 11 + id]! * b[d * 2 + k]!;
        worst = Math.max(worst, Math.abs(out.values[row * 6 + d]! - (e[id * 6 + d]! + 1.5 * lora)));
      }
    });
    expect(worst).toBeLessThan(1e-12);
    const trainable = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad);
    await checkGradients(peft, trainable, [ids]);
    console.log(`LoRA Embedding merge: max |merged − adapter| ${(await checkMerge(peft, ids)).toExponential(2)}`);
    peft.dispose();
    ids.dispose();
  });

  it('DoRA on Embedding merges to the same output, and per-sample adapters pick rows of one batch', async () => {
    manualSeed(3);
    const ids = tensor(
      [
        [1, 4, 10],
        [0, 4, 7],
        [3, 3, 2],
      ],
      { dtype: 'int32' },
    );
    const peft = getPeftModel(new EmbedNet(11, 6), new LoraConfig({ r: 2, targetModules: ['embed'], useDora: true }));
    peft.addAdapter('plain', new LoraConfig({ r: 3, targetModules: ['embed'] }));
    await perturb(peft);
    peft.setAdapter(['plain']);
    await perturb(peft);
    peft.eval();
    const single = async (name: string) => {
      peft.setAdapter(name);
      return run(peft, ids);
    };
    const [d, p] = [await single('default'), await single('plain')];
    const base = await peft.disableAdapter(() => run(peft, ids));
    const mixedOut = (await peft.forwardWithAdapters(['plain', '__base__', 'default'], ids)) as Tensor;
    const m = await values(mixedOut);
    mixedOut.dispose();
    const rowLen = 3 * 5;
    for (const [row, src] of [
      [0, p],
      [1, base],
      [2, d],
    ] as const) {
      expect(maxAbsDiff(m.subarray(row * rowLen, (row + 1) * rowLen), src.values.subarray(row * rowLen, (row + 1) * rowLen))).toBeLessThan(
        1e-6,
      );
    }
    peft.setAdapter('default');
    console.log(`DoRA Embedding merge: max |merged − adapter| ${(await checkMerge(peft, ids)).toExponential(2)}`);
    peft.dispose();
    ids.dispose();
  });
});

describe('LoRA on Conv2d', () => {
  it("has PEFT's conv lora_A and 1×1 lora_B, gradients match finite differences, merging gives the same output (stride, padding, dilation)", async () => {
    for (const dilation of [1, 2]) {
      manualSeed(4);
      const net = new ConvNet(3, 5, { dilation }).to('float64');
      const x = randn([2, 3, 7, 7], { dtype: 'float64' });
      const start = memory().numTensors;
      const peft = getPeftModel(net, new LoraConfig({ r: 2, loraAlpha: 4, targetModules: ['conv', 'proj'], loraBias: true }));
      const layer = peft.getBaseModel().getSubmodule('conv') as LoraConv2d;
      expect(layer).toBeInstanceOf(LoraConv2d);
      expect(layer.loraA.at('default').weight.shape).toEqual([2, 3, 3, 3]);
      expect(layer.loraB.at('default').weight.shape).toEqual([5, 2, 1, 1]);
      await perturb(peft);
      // y = conv(x; W) + b + s · B(A(x)) written with the conv op directly
      const got = await run(layer, x);
      const want = tidy(() => {
        const opts = { stride: 2, padding: 1, dilation };
        const base = conv2d(x, layer.base.weight, layer.base.bias, opts);
        const h = conv2d(x, layer.loraA.at('default').weight, null, opts);
        const lora = conv2d(h, layer.loraB.at('default').weight, layer.loraB.at('default').bias, {});
        return add(base, lora.mul(2));
      });
      expect(maxAbsDiff(got.values, await values(want))).toBeLessThan(1e-12);
      want.dispose();
      const trainable = [...peft.namedParameters()].filter(([, p]) => p.requiresGrad);
      await checkGradients(peft, trainable, [x]);
      console.log(`LoRA Conv2d (dilation ${dilation}) merge: max |merged − adapter| ${(await checkMerge(peft, x)).toExponential(2)}`);
      const model = await peft.mergeAndUnload();
      expect(memory().numTensors - start).toBe(0);
      model.dispose();
      x.dispose();
    }
  });

  it('DoRA on Conv2d merges to the same output and its magnitude has shape [1, out, 1, 1]', async () => {
    manualSeed(5);
    const x = randn([2, 3, 6, 6]);
    const peft = getPeftModel(new ConvNet(), new LoraConfig({ r: 2, targetModules: ['conv'], useDora: true }));
    const layer = peft.getBaseModel().getSubmodule('conv') as LoraConv2d;
    expect(layer.loraMagnitudeVector.at('default').weight.shape).toEqual([1, 5, 1, 1]);
    // at init the magnitude is the norm of W, so DoRA is an identity
    const base = await peft.disableAdapter(() => run(peft, x));
    expect(maxAbsDiff((await run(peft, x)).values, base.values)).toBeLessThan(1e-6);
    await perturb(peft);
    console.log(`DoRA Conv2d merge: max |merged − adapter| ${(await checkMerge(peft, x)).toExponential(2)}`);
    peft.dispose();
    x.dispose();
  });
});

/** GPT-2's fan-in-fan-out Conv1D, non-square. */
class Conv1DNet extends Module {
  constructor() {
    super();
    this.registerModule('c_fc', new Conv1D(12, 8));
  }
  forward(x: Tensor): Tensor {
    return this.child<Conv1D>('c_fc').forward(x);
  }
}

describe('DoRA details', () => {
  it('on a fan-in-fan-out Conv1D: the magnitude has one entry per output, merge and unmerge match', async () => {
    manualSeed(6);
    const x = randn([2, 3, 8]);
    const peft = getPeftModel(new Conv1DNet(), new LoraConfig({ r: 2, targetModules: ['c_fc'], useDora: true, fanInFanOut: true }));
    const layer = peft.getBaseModel().getSubmodule('c_fc') as LoraLayer;
    expect(layer.loraMagnitudeVector.at('default').weight.shape).toEqual([12]);
    // m starts as the norms of W's output rows (columns of the stored [in, out] weight)
    const w = await values(layer.base.weight);
    const m = await values(layer.loraMagnitudeVector.at('default').weight);
    for (let o = 0; o < 12; o++) {
      let s = 0;
      for (let i = 0; i < 8; i++) s += w[i * 12 + o]! ** 2;
      expect(Math.abs(m[o]! - Math.sqrt(s))).toBeLessThan(1e-6);
    }
    await perturb(peft);
    console.log(`DoRA Conv1D merge: max |merged − adapter| ${(await checkMerge(peft, x)).toExponential(2)}`);
    peft.dispose();
    x.dispose();
  });

  it("with dropout while training: W x + b + (m/n − 1)·W x' + (m/n)·s·B A x' with x' the dropped input (PEFT)", async () => {
    manualSeed(7);
    const net = new TinyNet().to('float64');
    const peft = getPeftModel(net, new LoraConfig({ r: 2, loraAlpha: 4, loraDropout: 0.3, targetModules: ['q_proj'], useDora: true }));
    await perturb(peft);
    const layer = (peft.getBaseModel().getSubmodule('q_proj') as LoraLayer).train();
    const x = randn([2, 3, 16], { dtype: 'float64' });
    manualSeed(99);
    const got = await run(layer, x);
    manualSeed(99);
    const want = tidy(() => {
      const xd = dropout(x, 0.3, true);
      const W = layer.base.weight;
      const A = layer.loraA.at('default').weight;
      const B = layer.loraB.at('default').weight;
      const delta = matmul(B, A).mul(2);
      const n = W.add(delta).square().sum(1).sqrt();
      const scale = layer.loraMagnitudeVector.at('default').weight.div(n);
      const base = matmul(x, W, { transposeB: true }).add(layer.base.bias!);
      const wx = matmul(xd, W, { transposeB: true });
      const lora = matmul(matmul(xd, A, { transposeB: true }), B, { transposeB: true });
      return base.add(scale.sub(1).mul(wx)).add(scale.mul(lora).mul(2));
    });
    expect(maxAbsDiff(got.values, await values(want))).toBeLessThan(1e-12);
    // in eval mode the dropout is off and the running result is used
    layer.eval();
    const evalOut = await run(layer, x);
    const noDrop = tidy(() => {
      const W = layer.base.weight;
      const A = layer.loraA.at('default').weight;
      const B = layer.loraB.at('default').weight;
      const n = W.add(matmul(B, A).mul(2)).square().sum(1).sqrt();
      const scale = layer.loraMagnitudeVector.at('default').weight.div(n);
      const wx = matmul(x, W, { transposeB: true });
      return wx
        .mul(scale)
        .add(layer.base.bias!)
        .add(scale.mul(matmul(matmul(x, A, { transposeB: true }), B, { transposeB: true })).mul(2));
    });
    expect(maxAbsDiff(evalOut.values, await values(noDrop))).toBeLessThan(1e-12);
    dispose([want, noDrop, x]);
    peft.dispose();
  });

  it('the weight norm is detached: the magnitude gets the only gradient through n (PEFT, DoRA §4.3)', async () => {
    manualSeed(8);
    const peft = getPeftModel(new TinyNet().to('float64'), new LoraConfig({ r: 2, targetModules: ['v_proj'], useDora: true }));
    await perturb(peft);
    const layer = peft.getBaseModel().getSubmodule('v_proj') as LoraLayer;
    const x = randn([1, 2, 16], { dtype: 'float64' });
    const loss = tidy(() => (layer.forward(x) as Tensor).sum());
    loss.backward();
    // with n held constant, d(Σ y)/dB[o, k] = (m/n)[o] · s · Σ_positions (A x)[k]
    const s = 8 / 2;
    const gB = await values(layer.loraB.at('default').weight.grad!);
    const want = tidy(() => {
      const W = layer.base.weight;
      const A = layer.loraA.at('default').weight;
      const B = layer.loraB.at('default').weight;
      const n = W.add(matmul(B, A).mul(s)).square().sum(1).sqrt();
      const scale = layer.loraMagnitudeVector.at('default').weight.div(n);
      const xa = matmul(x, A, { transposeB: true }).sum([0, 1]);
      return scale.reshape([16, 1]).mul(xa.reshape([1, 2]));
    });
    const wv = (await values(want)).map((v) => v * s);
    expect(maxAbsDiff(gB, wv)).toBeLessThan(1e-10);
    dispose([loss, want, x]);
    peft.dispose();
  });

  it('two active DoRA adapters apply one after the other on the running output, as PEFT does', async () => {
    manualSeed(9);
    const peft = getPeftModel(new TinyNet(), new LoraConfig({ r: 2, targetModules: ['q_proj'], useDora: true }));
    peft.addAdapter('second', new LoraConfig({ r: 3, targetModules: ['q_proj'], useDora: true }));
    peft.setAdapter(['default', 'second']);
    await perturb(peft);
    const layer = peft.getBaseModel().getSubmodule('q_proj') as LoraLayer;
    const x = randn([2, 3, 16]);
    const got = await run(layer, x);
    const want = tidy(() => {
      const W = layer.base.weight;
      const bias = layer.base.bias!;
      let result = matmul(x, W, { transposeB: true }).add(bias);
      for (const name of ['default', 'second']) {
        const A = layer.loraA.at(name).weight;
        const B = layer.loraB.at(name).weight;
        const s = layer.scaling.get(name)!;
        const n = W.add(matmul(B, A).mul(s)).square().sum(1).sqrt();
        const scale = layer.loraMagnitudeVector.at(name).weight.div(n);
        const lora = matmul(matmul(x, A, { transposeB: true }), B, { transposeB: true });
        result = result.add(scale.sub(1).mul(result.sub(bias))).add(scale.mul(lora).mul(s));
      }
      return result;
    });
    expect(maxAbsDiff(got.values, await values(want))).toBeLessThan(1e-5);
    dispose([want, x]);
    peft.dispose();
  });

  it('a DoRA adapter saves and reloads (magnitude without .weight on disk)', async () => {
    manualSeed(10);
    const x = randn([2, 3, 16]);
    const original = new TinyNet().eval();
    const peft = getPeftModel(original.clone(), new LoraConfig({ r: 2, targetModules: ['q_proj', 'up_proj'], useDora: true }));
    await perturb(peft);
    const want = await run(peft.eval(), x);
    const files = await saveAdapterFiles(peft);
    const { state } = parseAdapterFiles(files);
    expect([...state.keys()].filter((k) => k.includes('magnitude')).sort()).toEqual([
      'base_model.model.q_proj.lora_magnitude_vector',
      'base_model.model.up_proj.lora_magnitude_vector',
    ]);
    dispose([...state.values()]);
    const back = peftModelFromFiles(original, files);
    expect(maxAbsDiff((await run(back, x)).values, want.values)).toBe(0);
    back.dispose();
    peft.dispose();
    x.dispose();
  });
});
