import { Params, sizeOfInfo, type Args, type Gpu } from './args.js';
import { computeType, CONVERT, load } from './convert.js';
import { binding, offsetFn, rowMain, WORKGROUP } from '../shader.js';
import { wgslType } from '../storage.js';

/**
 * One workgroup per output: lanes scan strided slices of the line along `axis`, then a tree
 * reduction over (value, index) pairs keeps the first maximum; a NaN counts as the maximum.
 */
export function argmax(gpu: Gpu, { x, axis, out }: Args<'argmax'>): void {
  const outputs = sizeOfInfo(out);
  if (outputs === 0) return;
  const { shape, strides, offset } = x.layout;
  const type = computeType(x.dtype === 'bool' ? 'int32' : x.dtype);
  const nan = (v: string) => (type === 'f32' ? `isNan(${v})` : 'false');
  const p = new Params();
  const outputsAt = p.u(outputs);
  const lengthAt = p.u(shape[axis]);
  const stepAt = p.i(strides[axis]);
  const lines = p.layout({ shape: shape.filter((_, d) => d !== axis), strides: strides.filter((_, d) => d !== axis), offset });
  gpu.run({
    name: 'argmax',
    key: `argmax:${x.dtype}:r${shape.length}`,
    params: p,
    buffers: [out.storage, x.storage],
    workgroups: outputs,
    shader: () =>
      [
        binding(1, 'out', 'i32', 'read_write'),
        binding(2, 'x', wgslType(x.dtype)),
        offsetFn('lineStart', lines),
        CONVERT,
        /* wgsl */ `
var<workgroup> bestValue: array<${type}, ${WORKGROUP}>;
var<workgroup> bestIndex: array<u32, ${WORKGROUP}>;
// Whether (b, ib) beats (a, ia): NaN first, then the larger value, then the smaller index.
fn beats(a: ${type}, ia: u32, b: ${type}, ib: u32) -> bool {
  if (${nan('a')} || ${nan('b')}) { return ${nan('b')} && (!${nan('a')} || ib < ia); }
  return b > a || (b == a && ib < ia);
}`,
        rowMain(
          `pu(${outputsAt}u)`,
          `
  let base = i32(lineStart(row));
  var best: ${type} = ${type === 'f32' ? '0.0' : '0'};
  var index = 0xffffffffu;
  for (var k = lane; k < pu(${lengthAt}u); k += ${WORKGROUP}u) {
    let v = ${load(`x[u32(base + i32(k) * pi(${stepAt}u))]`, x.dtype, type)};
    if (index == 0xffffffffu || beats(best, index, v, k)) { best = v; index = k; }
  }
  bestValue[lane] = best;
  bestIndex[lane] = index;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lane < s) {
      let ib = bestIndex[lane + s];
      if (ib != 0xffffffffu && (bestIndex[lane] == 0xffffffffu || beats(bestValue[lane], bestIndex[lane], bestValue[lane + s], ib))) {
        bestValue[lane] = bestValue[lane + s];
        bestIndex[lane] = ib;
      }
    }
    workgroupBarrier();
  }
  if (lane == 0u) { out[row] = i32(select(bestIndex[0], 0u, bestIndex[0] == 0xffffffffu)); }`,
        ),
      ].join('\n'),
  });
}
