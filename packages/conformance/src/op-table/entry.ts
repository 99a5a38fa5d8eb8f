import type { Shape, Tensor } from '@peftjs/core';
import type { Nd } from '../oracle/nd.js';
import type { InputKind, InputSpec } from '../util/inputs.js';

/**
 * One row of the op table: seeded inputs and a function of them. The forward runs on the backend in
 * float32 and on the CPU reference in float64; gradients are checked by finite differences on the
 * reference and, on the backend, against the reference's gradients.
 */
export interface OpEntry {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly fn: (...x: Tensor[]) => Tensor | readonly Tensor[];
  /** Error class of the float32 result: 'reduction' (1e-4) for accumulating ops, else 1e-5. */
  readonly kind?: 'elementwise' | 'reduction';
  /** Whether gradients are checked (default: when some float input takes part). */
  readonly grad?: boolean;
  /** The backend must store float64 to run the forward (casts to float64). */
  readonly needsFloat64?: boolean;
  /**
   * The outputs (shapes and values) computed in plain JavaScript float64 from the inputs (../oracle),
   * an oracle independent of the CPU reference. Every entry has one, or `expect`.
   */
  readonly oracle?: (...x: Nd[]) => Nd | readonly Nd[];
  /** Exact expected values of the (single) output, for creation ops. */
  readonly expect?: readonly number[];
}

/** A float input of `shape` (shorthand for the tables). */
export const f = (shape: Shape, kind: InputKind = 'normal', grad?: boolean): InputSpec => ({ shape, kind, grad });
export const int = (shape: Shape, high: number): InputSpec => ({ shape, kind: 'int', high });
export const bool = (shape: Shape): InputSpec => ({ shape, kind: 'bool' });
/** Literal values: float (no gradient check unless `grad`), or int32 / bool with `dtype`. */
export const literal = (
  shape: Shape,
  values: readonly (number | boolean)[],
  dtype: 'float' | 'int32' | 'bool' = 'float',
  grad = false,
): InputSpec => ({ shape, values, dtype, grad });
