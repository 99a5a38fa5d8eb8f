import '@peftjs/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { Lambda, Linear, Module, Sequential, ones, parameter, relu, setBackend, tensor, tidy, zeros, type Tensor } from '../src/index.js';

/** A module written as in PyTorch: children and a parameter assigned as fields. */
class FieldNet extends Module {
  fc1 = new Linear(2, 3);
  readonly fc2: Linear;
  scale = parameter(ones([2]));
  notAParameter = zeros([2]);
  constructor() {
    super();
    this.fc2 = new Linear(3, 2);
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.fc1.forward(x))).mul(this.scale);
  }
}

/** A replacement layer that doubles the wrapped layer's output. */
class Doubled extends Module {
  constructor(readonly inner: Module) {
    super();
  }
  forward(x: Tensor): Tensor {
    return (this.inner.forward(x) as Tensor).mul(2);
  }
}

describe('Module fields register PyTorch-style', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('children and trainable tensors assigned as fields are registered; plain tensors are not', () => {
    const net = new FieldNet();
    expect([...net.namedChildren()].map(([n]) => n)).toEqual(['fc1', 'fc2']);
    expect([...net.namedParameters()].map(([n]) => n).sort()).toEqual(['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight', 'scale']);
    expect([...net.stateDict().keys()]).not.toContain('notAParameter');
    net.notAParameter.dispose();
    net.dispose();
  });

  it('a child replaced by setSubmodule is what the field returns, in forward and in clones', async () => {
    const net = new FieldNet();
    const x = tensor([[1, -2]]);
    const before = tidy(() => net.forward(x));
    net.setSubmodule('fc2', new Doubled(net.fc2));
    expect(net.fc2).toBeInstanceOf(Doubled);
    const after = tidy(() => net.forward(x));
    const [b, a] = [await before.data(), await after.data()];
    expect([...a]).toEqual([...b].map((v) => 2 * v));
    const copy = net.clone();
    expect(copy.fc2).toBeInstanceOf(Doubled);
    expect(copy.fc2).not.toBe(net.fc2);
    expect(copy.getSubmodule('fc2')).toBe(copy.fc2);
    for (const t of [x, before, after, net.notAParameter]) t.dispose();
    net.dispose();
    copy.dispose();
  });

  it('assigning the wrong kind to a registered field names the field', () => {
    const net = new FieldNet();
    expect(() => Object.assign(net, { fc1: 3 })).toThrow(
      "FieldNet: 'fc1' is a registered child module; assign a Module, or unregister it first",
    );
    net.notAParameter.dispose();
    net.dispose();
  });

  it('to() keeps a parameter field pointing at the converted tensor', () => {
    const net = new FieldNet().to('float64');
    expect(net.scale.dtype).toBe('float64');
    expect(net.parameters()).toContain(net.scale);
    net.notAParameter.dispose();
    net.dispose();
  });
});

describe('Sequential', () => {
  beforeAll(async () => {
    await setBackend('cpu');
  });

  it('runs the children it holds now, so a replaced layer runs in its place', async () => {
    const seq = new Sequential(new Linear(2, 3), new Lambda(relu), new Linear(3, 1));
    const x = tensor([[1, 2]]);
    const before = tidy(() => seq.forward(x));
    seq.setSubmodule('2', new Doubled(seq.getSubmodule('2')));
    const after = tidy(() => seq.forward(x));
    expect((await after.data())[0]).toBeCloseTo(2 * (await before.data())[0], 6);
    for (const t of [x, before, after]) t.dispose();
    seq.dispose();
  });
});
