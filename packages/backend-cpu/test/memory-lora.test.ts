import {
  AdamW,
  add,
  crossEntropy,
  embedding,
  engine,
  gelu,
  layerNorm,
  matmul,
  mul,
  parameter,
  randn,
  registerBackend,
  reshape,
  setBackend,
  tensor,
  tidy,
  type Tensor,
} from '@peftjs/core';
import { describe, expect, it } from 'vitest';
import { CpuBackend, fastMatmulFloat32 } from '../src/index.js';

/**
 * A tiny LoRA language model from core ops: frozen embedding and two frozen linear layers with a
 * GELU between, each linear with a LoRA pair (A [r, in], B [out, r]) that AdamW trains.
 */
function tinyLora(vocab: number, dim: number, r: number) {
  const frozen = {
    wte: randn([vocab, dim], { std: 0.1 }),
    w1: randn([4 * dim, dim], { std: 0.1 }),
    w2: randn([dim, 4 * dim], { std: 0.1 }),
  };
  const lora = {
    a1: parameter(randn([r, dim], { std: 0.1 })),
    b1: parameter(randn([4 * dim, r], { std: 0.1 })),
    a2: parameter(randn([r, 4 * dim], { std: 0.1 })),
    b2: parameter(randn([dim, r], { std: 0.1 })),
  };
  const linear = (x: Tensor, w: Tensor, a: Tensor, b: Tensor) =>
    add(matmul(x, w, { transposeB: true }), mul(matmul(matmul(x, a, { transposeB: true }), b, { transposeB: true }), 2));
  const loss = (ids: Tensor, targets: Tensor) => {
    const x = layerNorm(embedding(ids, frozen.wte), [dim]);
    const h = linear(gelu(linear(x, frozen.w1, lora.a1, lora.b1), { approximate: 'tanh' }), frozen.w2, lora.a2, lora.b2);
    return crossEntropy(reshape(matmul(h, frozen.wte, { transposeB: true }), [-1, vocab]), reshape(targets, [-1]));
  };
  return {
    params: Object.values(lora),
    loss,
    dispose: () => [...Object.values(frozen), ...Object.values(lora)].forEach((t) => t.dispose()),
  };
}

describe('memory over a long LoRA run (fast kernels)', () => {
  it('1,000 LoRA steps: no tensor or buffer leaks, the buffer pool and the matmul scratch stay flat', async () => {
    const backend = new CpuBackend();
    registerBackend('cpu-memory-lora', () => backend, 0);
    await setBackend('cpu-memory-lora');
    engine().generator.manualSeed(3);
    const [vocab, dim, r, batch, seq] = [40, 24, 4, 4, 16];
    const model = tinyLora(vocab, dim, r);
    const optimizer = new AdamW(model.params, { lr: 1e-2 });
    const ids = tensor(
      Int32Array.from({ length: batch * seq }, (_, i) => (i * 7) % vocab),
      { shape: [batch, seq], dtype: 'int32' },
    );
    const targets = tensor(
      Int32Array.from({ length: batch * seq }, (_, i) => (i * 7 + 1) % vocab),
      { shape: [batch, seq], dtype: 'int32' },
    );
    const step = () => {
      const loss = tidy(() => {
        const l = model.loss(ids, targets);
        optimizer.zeroGrad();
        l.backward();
        optimizer.step();
        return l;
      });
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    };
    const first = step();
    for (let i = 1; i < 10; i++) step();
    const settled = {
      tensors: engine().memory().numTensors,
      buffers: backend.numLiveBuffers(),
      ...backend.footprint(),
      scratch: fastMatmulFloat32.scratchBytes(),
    };
    let last = first;
    for (let i = 10; i < 1000; i++) last = step();
    const end = {
      tensors: engine().memory().numTensors,
      buffers: backend.numLiveBuffers(),
      ...backend.footprint(),
      scratch: fastMatmulFloat32.scratchBytes(),
    };
    expect(last).toBeLessThan(first); // it trained
    expect(end).toEqual(settled);
    optimizer.dispose();
    model.dispose();
    ids.dispose();
    targets.dispose();
  }, 60000);
});
