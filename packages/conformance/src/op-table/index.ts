import { creationEntries } from './creation.js';
import { elementwiseEntries } from './elementwise.js';
import { linalgEntries } from './linalg.js';
import { nnEntries } from './nn.js';
import { reductionEntries } from './reductions.js';
import { shapeEntries } from './shape.js';
import type { OpEntry } from './entry.js';

export type { OpEntry } from './entry.js';

/** The op table: every op of core with seeded inputs (names are unique). */
export const OP_TABLE: readonly OpEntry[] = [
  ...creationEntries,
  ...elementwiseEntries,
  ...reductionEntries,
  ...linalgEntries,
  ...shapeEntries,
  ...nnEntries,
];
