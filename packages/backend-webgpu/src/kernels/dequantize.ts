import { Params, sizeOfInfo, type Args, type Gpu } from './args.js';
import { weightBuffers, weightKey, weightShader } from './quantized-weight.js';
import { WORKGROUP, binding, elementMain } from '../shader.js';

/** out [rows, cols] = W dequantized, one element a thread. */
export function dequantize(gpu: Gpu, { weight, out }: Args<'dequantize'>): void {
  const size = sizeOfInfo(out);
  if (size === 0) return;
  const p = new Params();
  const sizeAt = p.u(size);
  const weightWgsl = weightShader(weight, p, 2);
  gpu.run({
    name: 'dequantize',
    key: `dequantize:${weightKey(weight)}`,
    params: p,
    buffers: [out.storage, ...weightBuffers(weight)],
    workgroups: Math.ceil(size / WORKGROUP),
    shader: () => [binding(1, 'out', 'f32', 'read_write'), weightWgsl, elementMain(`pu(${sizeAt}u)`, '  out[i] = wAt(i);')].join('\n'),
  });
}
