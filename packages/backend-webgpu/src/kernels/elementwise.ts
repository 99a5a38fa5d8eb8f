import { Params, sizeOfInfo, type Gpu, type Info } from './args.js';
import { CONVERT } from './convert.js';
import type { ExtraBindings } from '../index-checks.js';
import { elementBinding, readElement, writeElement, writerFn } from '../half.js';
import { elementMain, offsetFn, WORKGROUP } from '../shader.js';
import { wgslType } from '../storage.js';

/**
 * out[i] = expr(x0, x1, x2) over every element of out, each operand read through its own strided
 * layout (broadcast operands have stride 0). `expr` gets the names of the loaded operands (stored
 * WGSL types; half operands widened to f32) and returns an expression of out's stored type; `prelude` holds its helper functions,
 * and `p` may arrive holding the kernel's own parameters (for `i`, the element index, to use);
 * `extra` buffers are bound after the operands.
 */
export function mapElements(
  gpu: Gpu,
  name: string,
  variant: string,
  out: Info,
  operands: readonly Info[],
  expr: (x: string[]) => string,
  prelude = '',
  p = new Params(),
  extra?: ExtraBindings,
): void {
  const size = sizeOfInfo(out);
  if (size === 0) return;
  const sizeAt = p.u(size);
  const outSlot = p.layout(out.layout);
  const slots = operands.map((t) => p.layout(t.layout));
  const names = operands.map((_, k) => `x${k}`);
  gpu.run({
    name,
    key: `${name}:${variant}:${out.dtype}:${operands.map((t) => t.dtype).join(',')}:r${out.layout.shape.length}`,
    params: p,
    buffers: [out.storage, ...operands.map((t) => t.storage), ...(extra?.buffers ?? [])],
    workgroups: Math.ceil(size / WORKGROUP),
    shader: () =>
      [
        elementBinding(1, 'out', out.dtype, wgslType(out.dtype), 'read_write'),
        ...operands.map((t, k) => elementBinding(k + 2, `in${k}`, t.dtype, wgslType(t.dtype))),
        writerFn('out', out.dtype),
        extra?.wgsl(operands.length + 2) ?? '',
        offsetFn('outAt', outSlot),
        ...slots.map((s, k) => offsetFn(`inAt${k}`, s)),
        CONVERT,
        prelude,
        elementMain(
          `pu(${sizeAt}u)`,
          [
            ...names.map((n, k) => `  let ${n} = ${readElement(`in${k}`, operands[k].dtype, `inAt${k}(i)`)};`),
            `  ${writeElement('out', out.dtype, 'outAt(i)', expr(names))}`,
          ].join('\n'),
        ),
      ].join('\n'),
  });
}
