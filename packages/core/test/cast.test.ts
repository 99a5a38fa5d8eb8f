import '@peftjs/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { cast, memory, setBackend, tensor, tidy } from '../src/index.js';

beforeAll(async () => {
  await setBackend('cpu');
});

describe('cast', () => {
  it('returns the input itself when the dtype already matches, and adds no graph node', async () => {
    const x = tensor([1.5, -2, 3], { requiresGrad: true });
    const before = memory().numTensors;
    const y = x.cast('float32');
    expect(y).toBe(x);
    expect(cast(x, 'float32')).toBe(x);
    expect(memory().numTensors).toBe(before);
    expect(y.isLeaf).toBe(true);
    expect(y.gradFn).toBeNull();

    const loss = tidy(() => y.mul(y).sum());
    loss.backward();
    expect([...(await x.grad!.data())]).toEqual([3, -4, 6]);
    loss.dispose();
    x.dispose();
  });

  it('a same-dtype cast of an op result keeps that op as its gradFn', async () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const z = x.mul(3);
    const y = z.cast('float32');
    expect(y).toBe(z);
    expect(y.gradFn).toBe(z.gradFn);
    expect(y.gradFn).not.toContain('cast');
    y.sum().backward();
    expect([...(await x.grad!.data())]).toEqual([3, 3]);
    z.dispose();
    x.dispose();
  });

  it('makes a new tensor when the dtype differs, and the gradient flows back in the input dtype', async () => {
    const x = tensor([1.5, -2, 3], { requiresGrad: true });
    const y = x.cast('float64');
    expect(y).not.toBe(x);
    expect(y.dtype).toBe('float64');
    expect(x.dtype).toBe('float32');
    expect(y.gradFn).not.toBeNull();
    const loss = tidy(() => y.mul(y).sum());
    loss.backward();
    expect(x.grad!.dtype).toBe('float32');
    expect([...(await x.grad!.data())]).toEqual([3, -4, 6]);
    y.dispose();
    expect(x.isDisposed).toBe(false);
    expect([...(await x.data())]).toEqual([1.5, -2, 3]);
    loss.dispose();
    x.dispose();
  });

  it('a same-dtype cast inside tidy leaves the outer input alive', async () => {
    const x = tensor([1, 2], { dtype: 'int32' });
    const y = tidy(() => x.cast('int32'));
    expect(y).toBe(x);
    expect(x.isDisposed).toBe(false);
    expect([...(await x.data())]).toEqual([1, 2]);
    x.dispose();
  });
});
