import type { BinaryOp } from '@peftjs/core';
import type { RowPlan } from './rows.js';

/**
 * add/sub/mul/div when every operand is a Float32Array: one function per op, so V8 sees a single
 * array type at each element access (the generic loops of binary.ts see four and run several times
 * slower), with the unit-stride, scalar-operand and row-broadcast cases (bias adds, `x * scale`)
 * written out. The arithmetic is the reference's: float64 on two float32 values, rounded once on store.
 */
type Float32Loop = (o: Float32Array, a: Float32Array, b: Float32Array, p: RowPlan) => void;

export const FLOAT32_LOOPS: Partial<Record<BinaryOp, Float32Loop>> = {
  add(o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) {
    for (let r = 0; r < count; r++) {
      const io = so[r],
        ia = sa[r],
        ib = sb[r];
      if (po === 1 && pa === 1 && pb === 1) for (let k = 0; k < length; k++) o[io + k] = a[ia + k] + b[ib + k];
      else if (po === 1 && pa === 1 && pb === 0) {
        const s = b[ib];
        for (let k = 0; k < length; k++) o[io + k] = a[ia + k] + s;
      } else if (po === 1 && pa === 0 && pb === 1) {
        const s = a[ia];
        for (let k = 0; k < length; k++) o[io + k] = s + b[ib + k];
      } else for (let k = 0; k < length; k++) o[io + k * po] = a[ia + k * pa] + b[ib + k * pb];
    }
  },
  sub(o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) {
    for (let r = 0; r < count; r++) {
      const io = so[r],
        ia = sa[r],
        ib = sb[r];
      if (po === 1 && pa === 1 && pb === 1) for (let k = 0; k < length; k++) o[io + k] = a[ia + k] - b[ib + k];
      else if (po === 1 && pa === 1 && pb === 0) {
        const s = b[ib];
        for (let k = 0; k < length; k++) o[io + k] = a[ia + k] - s;
      } else if (po === 1 && pa === 0 && pb === 1) {
        const s = a[ia];
        for (let k = 0; k < length; k++) o[io + k] = s - b[ib + k];
      } else for (let k = 0; k < length; k++) o[io + k * po] = a[ia + k * pa] - b[ib + k * pb];
    }
  },
  mul(o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) {
    for (let r = 0; r < count; r++) {
      const io = so[r],
        ia = sa[r],
        ib = sb[r];
      if (po === 1 && pa === 1 && pb === 1) for (let k = 0; k < length; k++) o[io + k] = a[ia + k] * b[ib + k];
      else if (po === 1 && pa === 1 && pb === 0) {
        const s = b[ib];
        for (let k = 0; k < length; k++) o[io + k] = a[ia + k] * s;
      } else if (po === 1 && pa === 0 && pb === 1) {
        const s = a[ia];
        for (let k = 0; k < length; k++) o[io + k] = s * b[ib + k];
      } else for (let k = 0; k < length; k++) o[io + k * po] = a[ia + k * pa] * b[ib + k * pb];
    }
  },
  div(o, a, b, { count, length, starts: [so, sa, sb], steps: [po, pa, pb] }) {
    for (let r = 0; r < count; r++) {
      const io = so[r],
        ia = sa[r],
        ib = sb[r];
      if (po === 1 && pa === 1 && pb === 1) for (let k = 0; k < length; k++) o[io + k] = a[ia + k] / b[ib + k];
      else if (po === 1 && pa === 1 && pb === 0) {
        const s = b[ib];
        for (let k = 0; k < length; k++) o[io + k] = a[ia + k] / s;
      } else if (po === 1 && pa === 0 && pb === 1) {
        const s = a[ia];
        for (let k = 0; k < length; k++) o[io + k] = s / b[ib + k];
      } else for (let k = 0; k < length; k++) o[io + k * po] = a[ia + k * pa] / b[ib + k * pb];
    }
  },
};
