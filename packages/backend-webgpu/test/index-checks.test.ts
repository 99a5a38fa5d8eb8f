import { crossEntropy, indexAdd, indexSelect, memory, registerBackend, removeBackend, setBackend, tensor, type Tensor } from '@peftjs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from '../src/index.js';

/** Out-of-range indices found by the kernels surface at the next read, once, naming the op and the value. */
describe('index checks on webgpu', () => {
  let gpu: WebGPUBackend;
  let made: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => {
    made.push(t);
    return t;
  };
  const rows = () =>
    keep(
      tensor([
        [1, 2],
        [3, 4],
        [5, 6],
        [7, 8],
        [9, 10],
      ]),
    );
  const ints = (values: number[]) => keep(tensor(values, { dtype: 'int32' }));
  let before = 0;

  beforeAll(async () => {
    gpu = await createWebGPUBackend();
    registerBackend('index-checks-webgpu', () => gpu, 0);
    await setBackend('index-checks-webgpu');
  });
  afterAll(() => removeBackend('index-checks-webgpu'));
  afterEach(() => {
    for (const t of made) t.dispose();
    made = [];
    expect(memory().numTensors, 'tensors left by the test').toBe(before);
  });

  it('indexSelect: raises at the read, once; the bad row reads as zeros, the others as picked', async () => {
    before = memory().numTensors;
    const picked = keep(indexSelect(rows(), 0, ints([4, 7, 0])));
    await expect(picked.data()).rejects.toThrow('indexSelect: index 7 is out of range for a dimension of size 5');
    expect(Array.from(await picked.data())).toEqual([9, 10, 0, 0, 1, 2]);
    const negative = keep(indexSelect(rows(), 1, ints([-3])));
    await expect(negative.data()).rejects.toThrow('indexSelect: index -3 is out of range for a dimension of size 2');
  });

  it('indexAdd: raises at the read and skips the bad index', async () => {
    before = memory().numTensors;
    const summed = keep(
      indexAdd(
        rows(),
        0,
        ints([1, 5]),
        keep(
          tensor([
            [10, 10],
            [100, 100],
          ]),
        ),
      ),
    );
    await expect(summed.data()).rejects.toThrow('indexAdd: index 5 is out of range for a dimension of size 5');
    expect(Array.from(await summed.data())).toEqual([1, 2, 13, 14, 5, 6, 7, 8, 9, 10]);
  });

  it('crossEntropy: raises for a bad target, not for the ignore index', async () => {
    before = memory().numTensors;
    const logits = keep(
      tensor([
        [0, 1, 2],
        [2, 1, 0],
      ]),
    );
    const fine = keep(crossEntropy(logits, ints([2, -100])));
    expect((await fine.data())[0]).toBeCloseTo(0.40760596, 5);
    const bad = keep(crossEntropy(logits, ints([2, 3])));
    await expect(bad.data()).rejects.toThrow('crossEntropy: target 3 is out of range for 3 classes');
  });

  it('reports the first bad dispatch of many (more than one status buffer of slots), at a read of another tensor after a flush', async () => {
    before = memory().numTensors;
    const x = rows();
    for (let k = 0; k < 300; k++) {
      const bad = k === 10 ? 100 : k === 280 ? 280 : k % 5;
      keep(indexSelect(x, 0, ints([bad])));
    }
    gpu.flush();
    const other = keep(indexSelect(x, 0, ints([1])));
    await expect(other.data()).rejects.toThrow('indexSelect: index 100 is out of range');
    expect(Array.from(await other.data())).toEqual([3, 4]);
  });
});
