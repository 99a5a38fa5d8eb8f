import type { ReduceOp } from '@peftjs/core';
import { Params, sizeOfInfo, type Args, type Gpu } from './args.js';
import { computeType, CONVERT, load, store } from './convert.js';
import { elementBinding, readElement, writeElement, writerFn } from '../half.js';
import { offsetFn, rowMain, WORKGROUP } from '../shader.js';
import { wgslType } from '../storage.js';
import { workgroupReduce } from './workgroup.js';

/** Combine rules; max and min propagate NaN (once NaN, always NaN). */
function combine(op: ReduceOp, type: 'f32' | 'i32'): (a: string, b: string) => string {
  const nan = (v: string) => (type === 'f32' ? `isNan(${v})` : 'false');
  if (op === 'sum') return (a, b) => `${a} + ${b}`;
  const better = op === 'max' ? '>' : '<';
  return (a, b) => `select(select(${a}, ${b}, ${b} ${better} ${a}), ${b}, ${nan(b)} && !${nan(a)})`;
}

const INITIAL: Record<ReduceOp, Record<'f32' | 'i32', string>> = {
  sum: { f32: '0.0', i32: '0' },
  max: { f32: '-inf()', i32: '(-2147483647 - 1)' },
  min: { f32: 'inf()', i32: '2147483647' },
};

/**
 * One workgroup per output element: its lanes stride over the reduced elements (x's reduced axes
 * as one flattened layout), then a tree reduction combines the lanes.
 */
export function reduce(gpu: Gpu, { op, x, axes, out }: Args<'reduce'>): void {
  const outputs = sizeOfInfo(out);
  if (outputs === 0) return;
  const reduced = new Set(axes);
  const rank = x.layout.shape.length;
  const pick = (keep: boolean) => [...Array(rank).keys()].filter((d) => reduced.has(d) !== keep);
  const kept = pick(true);
  const gone = pick(false);
  const sub = (dims: number[], offset: number) => ({
    shape: dims.map((d) => x.layout.shape[d]),
    strides: dims.map((d) => x.layout.strides[d]),
    offset,
  });
  const count = gone.reduce((n, d) => n * x.layout.shape[d], 1);
  const type = computeType(x.dtype === 'bool' ? 'int32' : x.dtype);
  const p = new Params();
  const outputsAt = p.u(outputs);
  const countAt = p.u(count);
  const keptSlot = p.layout(sub(kept, x.layout.offset));
  const goneSlot = p.layout(sub(gone, 0));
  const f = combine(op, type);
  gpu.run({
    name: 'reduce',
    key: `reduce:${op}:${x.dtype}:${out.dtype}:k${kept.length}:g${gone.length}`,
    params: p,
    buffers: [out.storage, x.storage],
    workgroups: outputs,
    shader: () =>
      [
        elementBinding(1, 'out', out.dtype, wgslType(out.dtype), 'read_write'),
        elementBinding(2, 'x', x.dtype, wgslType(x.dtype)),
        writerFn('out', out.dtype),
        offsetFn('rowStart', keptSlot),
        offsetFn('within', goneSlot),
        CONVERT,
        workgroupReduce('combineAll', type, f),
        rowMain(
          `pu(${outputsAt}u)`,
          `
  let base = rowStart(row);
  var acc: ${type} = ${INITIAL[op][type]};
  for (var k = lane; k < pu(${countAt}u); k += ${WORKGROUP}u) {
    let v = ${load(readElement('x', x.dtype, 'base + within(k)'), x.dtype, type)};
    acc = ${f('acc', 'v')};
  }
  let total = combineAll(acc, lane);
  if (lane == 0u) { ${writeElement('out', out.dtype, 'row', store('total', type, out.dtype))} }`,
        ),
      ].join('\n'),
  });
}
