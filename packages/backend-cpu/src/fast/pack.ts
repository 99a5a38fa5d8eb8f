/**
 * Packing copies a block of a strided operand into the order the block kernel reads it, so that
 * the kernel's loads are unit-stride whatever the layout (transposed, sliced, broadcast). Rows or
 * columns past the edge of the matrix are written as zeros, so the kernel always sees full tiles.
 */

export type Float32Source = Float32Array;

/**
 * A rows [i0, i0 + mc), columns [p0, p0 + k), as slivers of MR rows: sliver s starts at
 * dst[base + s·k·MR] and holds, for each p < k, the MR values A[i0 + s·MR + r, p0 + p] (r < MR).
 * Row i of A starts at rowOffsets[i]; consecutive columns are colStride apart.
 */
export function packA(
  src: Float32Source,
  rowOffsets: Int32Array,
  colStride: number,
  i0: number,
  mc: number,
  k: number,
  mr: number,
  dst: Float32Array,
  base: number,
  p0 = 0,
): void {
  const shift = p0 * colStride;
  const slivers = Math.ceil(mc / mr);
  const rowStep = mc > 1 ? rowOffsets[i0 + 1] - rowOffsets[i0] : colStride;
  if (Math.abs(colStride) <= Math.abs(rowStep)) {
    // rows are the contiguous direction: read each row along p
    for (let s = 0; s < slivers; s++) {
      const sliver = base + s * k * mr;
      if (mr === 4 && s * 4 + 4 <= mc) {
        // a full sliver of the usual MR = 4: the four rows side by side, so the writes are sequential
        const first = i0 + s * 4;
        let r0 = rowOffsets[first] + shift;
        let r1 = rowOffsets[first + 1] + shift;
        let r2 = rowOffsets[first + 2] + shift;
        let r3 = rowOffsets[first + 3] + shift;
        for (let p = 0, d = sliver; p < k; p++, d += 4) {
          dst[d] = src[r0];
          dst[d + 1] = src[r1];
          dst[d + 2] = src[r2];
          dst[d + 3] = src[r3];
          r0 += colStride;
          r1 += colStride;
          r2 += colStride;
          r3 += colStride;
        }
        continue;
      }
      for (let r = 0; r < mr; r++) {
        const row = s * mr + r;
        let d = sliver + r;
        if (row >= mc) {
          for (let p = 0; p < k; p++, d += mr) dst[d] = 0;
          continue;
        }
        let from = rowOffsets[i0 + row] + shift;
        for (let p = 0; p < k; p++, d += mr, from += colStride) dst[d] = src[from];
      }
    }
    return;
  }
  // columns are the contiguous direction (transA): read column p across all mc rows
  let evenlySpaced = true;
  for (let i = 1; i < mc && evenlySpaced; i++) evenlySpaced = rowOffsets[i0 + i] - rowOffsets[i0 + i - 1] === rowStep;
  for (let p = 0; p < k; p++) {
    let from = rowOffsets[i0] + shift + p * colStride;
    for (let s = 0; s < slivers; s++) {
      const d = base + s * k * mr + p * mr;
      const rows = Math.min(mr, mc - s * mr);
      if (evenlySpaced) {
        for (let r = 0; r < rows; r++, from += rowStep) dst[d + r] = src[from];
      } else {
        for (let r = 0; r < rows; r++) dst[d + r] = src[rowOffsets[i0 + s * mr + r] + shift + p * colStride];
      }
      for (let r = rows; r < mr; r++) dst[d + r] = 0;
    }
  }
}

/**
 * B columns [j0, j0 + nc) of a k × n matrix, as slivers of NR columns: sliver t starts at
 * dst[base + t·k·NR] and holds, for each p < k, the NR values B[p, j0 + t·NR + c] (c < NR).
 * B[p, j] sits at offset + p·rowStride + j·colStride.
 */
export function packB(
  src: Float32Source,
  offset: number,
  rowStride: number,
  colStride: number,
  j0: number,
  nc: number,
  k: number,
  nr: number,
  dst: Float32Array,
  base: number,
): void {
  const slivers = Math.ceil(nc / nr);
  if (Math.abs(colStride) <= Math.abs(rowStride)) {
    // rows are the contiguous direction: read row p across all nc columns
    for (let p = 0; p < k; p++) {
      let from = offset + p * rowStride + j0 * colStride;
      for (let t = 0; t < slivers; t++) {
        const d = base + t * k * nr + p * nr;
        const width = Math.min(nr, nc - t * nr);
        for (let c = 0; c < width; c++, from += colStride) dst[d + c] = src[from];
        for (let c = width; c < nr; c++) dst[d + c] = 0;
      }
    }
    return;
  }
  // columns are the contiguous direction (transB): walk each column down p
  for (let t = 0; t < slivers; t++) {
    const sliver = base + t * k * nr;
    const first = j0 + t * nr;
    const width = Math.min(nr, j0 + nc - first);
    if (width < nr) dst.fill(0, sliver, sliver + k * nr);
    for (let c = 0; c < width; c++) {
      let from = offset + (first + c) * colStride;
      let d = sliver + c;
      for (let p = 0; p < k; p++, d += nr, from += rowStride) dst[d] = src[from];
    }
  }
}

/** Writes the mc × nc block of the row-major scratch C (pitch ldc floats) into out. */
export function unpackC(
  c: Float32Array,
  base: number,
  ldc: number,
  out: Float32Array,
  rowOffsets: Int32Array,
  colStride: number,
  i0: number,
  mc: number,
  j0: number,
  nc: number,
): void {
  for (let r = 0; r < mc; r++) {
    const from = base + r * ldc;
    const to = rowOffsets[i0 + r] + j0 * colStride;
    if (colStride === 1) {
      out.set(c.subarray(from, from + nc), to);
    } else {
      for (let j = 0; j < nc; j++) out[to + j * colStride] = c[from + j];
    }
  }
}
