import { contiguous, flatten, permute, reshape, squeeze, transpose, unsqueeze, type Tensor } from '@peftjs/core';

export interface SliceSpec {
  start: number;
  end: number | undefined;
  step: number;
}

/** Parses a NumPy index such as `[:, 1:4, ::2]` into one slice per axis (integers are not supported). */
export function parseIndex(text: string): SliceSpec[] {
  const body = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  return body.split(',').map((part) => {
    const fields = part.trim().split(':');
    if (fields.length < 2 || fields.length > 3) throw new Error(`golden: cannot parse the slice '${part.trim()}' of ${text}`);
    const int = (s: string | undefined) => (s === undefined || s.trim() === '' ? undefined : Number.parseInt(s, 10));
    return { start: int(fields[0]) ?? 0, end: int(fields[1]), step: int(fields[2]) ?? 1 };
  });
}

/**
 * Applies a method chain from a case note, e.g. `x.transpose(1,2).reshape(4,6)`, with the core ops of
 * the same names. Intermediate tensors are disposed; the last result is returned.
 */
export function applyChain(x: Tensor, note: string): Tensor {
  const chain = note.slice(note.indexOf('x.') + 1).match(/^(\.\w+\([^)]*\))+/);
  if (!chain) throw new Error(`golden: cannot read the expression in the note '${note}'`);
  let t = x;
  for (const m of chain[0].matchAll(/\.(\w+)\(([^)]*)\)/g)) {
    const args = m[2].trim() === '' ? [] : m[2].split(',').map((s) => Number.parseInt(s, 10));
    let next: Tensor;
    switch (m[1]) {
      case 'transpose':
        next = transpose(t, args[0], args[1]);
        break;
      case 'permute':
        next = permute(t, args);
        break;
      case 'reshape':
      case 'view':
        next = reshape(t, args);
        break;
      case 'flatten':
        next = flatten(t, args[0], args[1]);
        break;
      case 'unsqueeze':
        next = unsqueeze(t, args[0]);
        break;
      case 'squeeze':
        next = squeeze(t, args[0]);
        break;
      case 'contiguous':
        next = contiguous(t);
        break;
      default:
        throw new Error(`golden: the note '${note}' uses ${m[1]}(), which the runner does not know`);
    }
    if (t !== x) t.dispose();
    t = next;
  }
  return t;
}
