import { Params, rowIndexFn, rowsOf, rowSlot, type Gpu, type Info } from './args.js';
import type { ExtraBindings } from '../index-checks.js';
import { binding, elementMain, offsetFn, rowMain, WORKGROUP, type Access } from '../shader.js';
import { wgslType } from '../storage.js';
import { ROW_REDUCE } from './workgroup.js';

/** How a fused kernel sees one tensor: as rows [..., D] (`<name>At(r, k)`) or flat (`<name>At(i)`). */
export interface RowOperand {
  readonly name: string;
  readonly info: Info;
  readonly access?: Access;
  readonly flat?: boolean;
}

type Operands = readonly (RowOperand | null | undefined | false)[];

/**
 * A fused kernel over a [..., D] tensor (`shapeOf`): binds the operands (absent ones are left out,
 * and the variant names which are there), binds `extra` after them, gives `ROWS` and `D`, and runs `main`.
 */
function fusedKernel(
  gpu: Gpu,
  name: string,
  variant: string,
  shapeOf: Info,
  operands: Operands,
  p: Params,
  workgroups: (rows: number, length: number) => number,
  main: string,
  extra?: ExtraBindings,
): void {
  const { rows, length } = rowsOf(shapeOf);
  if (rows === 0) return;
  const rowsAt = p.u(rows);
  const lengthAt = p.u(length);
  const present = operands.filter((o): o is RowOperand => !!o);
  const slots = present.map((o) => (o.flat ? p.layout(o.info.layout) : rowSlot(p, o.info)));
  gpu.run({
    name,
    key: `${name}:${variant}:${present.map((o) => `${o.name}${o.info.layout.shape.length}${o.info.dtype}`).join(',')}`,
    params: p,
    buffers: [...present.map((o) => o.info.storage), ...(extra?.buffers ?? [])],
    workgroups: workgroups(rows, length),
    shader: () =>
      [
        ...present.map((o, k) => binding(k + 1, o.name, wgslType(o.info.dtype), o.access ?? 'read')),
        extra?.wgsl(present.length + 1) ?? '',
        ...present.map((o, k) => {
          const slot = slots[k];
          return 'step' in slot ? rowIndexFn(`${o.name}At`, slot) : offsetFn(`${o.name}At`, slot);
        }),
        ROW_REDUCE,
        `fn ROWS() -> u32 { return pu(${rowsAt}u); }`,
        `fn D() -> u32 { return pu(${lengthAt}u); }`,
        main,
      ].join('\n'),
  });
}

/** One workgroup per row; `body` sees `row`, `lane` and `D`, and may use rowSum/rowMax. */
export function rowKernel(
  gpu: Gpu,
  name: string,
  variant: string,
  shapeOf: Info,
  operands: Operands,
  body: string,
  p = new Params(),
  extra?: ExtraBindings,
): void {
  fusedKernel(gpu, name, variant, shapeOf, operands, p, (rows) => rows, rowMain('ROWS()', `  let D = D();\n${body}`), extra);
}

/** One thread per column k of the rows (sums over rows in order, no atomics); `body` sees `k` and `ROWS()`. */
export function columnKernel(
  gpu: Gpu,
  name: string,
  variant: string,
  shapeOf: Info,
  operands: Operands,
  body: string,
  p = new Params(),
): void {
  fusedKernel(
    gpu,
    name,
    variant,
    shapeOf,
    operands,
    p,
    (_, length) => Math.ceil(length / WORKGROUP),
    elementMain('D()', `  let k = i;\n${body}`),
  );
}

/** A strided loop over the row's elements owned by this lane. */
export function forLane(body: string): string {
  return `  for (var k = lane; k < D; k += ${WORKGROUP}u) {\n${body}\n  }`;
}
