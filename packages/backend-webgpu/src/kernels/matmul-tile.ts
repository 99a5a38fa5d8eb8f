/**
 * WGSL pieces of the register-tiled matmul: a workgroup of threads×threads computes a tile×tile
 * output tile (tile = 4·threads), each thread a 4×4 block, stepping along k by `depth` (= threads,
 * so staging takes four values a thread). Both operands are staged as `tile[k][r]` (r: the row of A
 * or the column of B), four r to a vec4, so the inner loop reads one vec4 of A and one of B per k
 * and does 16 multiply-adds.
 */
export interface TileShape {
  readonly threads: number;
  readonly tile: number;
  readonly depth: number;
}

export function tileShape(threads: number): TileShape {
  return { threads, tile: 4 * threads, depth: threads };
}

/**
 * How an operand's tile is loaded: `scalar` through any strides; `vecK` (contiguous along k) and
 * `vecR` (contiguous along r) as vec4, where the vec4 never straddles the operand's end or a row.
 */
export type LoadMode = 'scalar' | 'vecK' | 'vecR';

/** The strides of one operand seen as [r, k]: its element (r, k) is at base + r·rStride + k·kStride. */
export interface OperandView {
  readonly rLength: number;
  readonly kLength: number;
  readonly rStride: number;
  readonly kStride: number;
  /** Offset and batch strides (0 where the batch is broadcast), every one of which must be 4-aligned for vec4 loads. */
  readonly batchWords: readonly number[];
}

export function loadMode(v: OperandView): LoadMode {
  if (!v.batchWords.every((s) => s % 4 === 0)) return 'scalar';
  if (v.kStride === 1 && v.rStride % 4 === 0 && v.kLength % 4 === 0) return 'vecK';
  if (v.rStride === 1 && v.kStride % 4 === 0 && v.rLength % 4 === 0) return 'vecR';
  return 'scalar';
}

/**
 * WGSL statements staging the tile of operand `x` (buffer `x`, or `xVec` as vec4) for the k-step at
 * `t` into `tileX`: depth×tile values, four a thread (`tid` in 0..threads²). `x` names the WGSL
 * values `xBase` (i32), `xR`, `xK` (i32 strides), `xLen` (r length) and `x0` (the tile's first r).
 * `load` (scalar mode only) turns an element index into its value, for an operand computed on the
 * fly (a dequantized weight); by default the element is read from buffer `x`.
 */
export function stageTile({ threads, tile: width, depth }: TileShape, x: string, mode: LoadMode, load?: (index: string) => string): string {
  const tile = `tile${x.toUpperCase()}`;
  const at = (r: string, k: string) => `${x}Base + i32(${r}) * ${x}R + i32(${k}) * ${x}K`;
  const inRange = (rr: string, kk: string) => `${x}0 + ${rr} < ${x}Len && t + ${kk} < K`;
  const groups = width / 4;
  if (mode === 'vecK') {
    // one vec4 a thread: 4 consecutive k of one r
    const stores = [0, 1, 2, 3].map((c) => `${tile}[(kk + ${c}u) * ${groups}u + rr / 4u][rr % 4u] = v[${c}];`).join(' ');
    return `{
    let rr = tid / ${depth / 4}u; let kk = (tid % ${depth / 4}u) * 4u;
    var v = vec4<f32>(0.0);
    if (${inRange('rr', 'kk')}) { v = ${x}Vec[u32(${at(`${x}0 + rr`, 't + kk')}) / 4u]; }
    ${stores}
  }`;
  }
  if (mode === 'vecR') {
    // one vec4 a thread: 4 consecutive r of one k, stored as they are
    return `{
    let rr = (tid % ${groups}u) * 4u; let kk = tid / ${groups}u;
    var v = vec4<f32>(0.0);
    if (${inRange('rr', 'kk')}) { v = ${x}Vec[u32(${at(`${x}0 + rr`, 't + kk')}) / 4u]; }
    ${tile}[kk * ${groups}u + rr / 4u] = v;
  }`;
  }
  const count = (width * depth) / (threads * threads);
  const read = load ?? ((index: string) => `${x}[${index}]`);
  return `for (var q = 0u; q < ${count}u; q++) {
    let e = tid + q * ${threads * threads}u;
    let kk = e % ${depth}u; let rr = e / ${depth}u;
    var v = 0.0;
    if (${inRange('rr', 'kk')}) { v = ${read(`u32(${at(`${x}0 + rr`, 't + kk')})`)}; }
    ${tile}[kk * ${groups}u + rr / 4u][rr % 4u] = v;
  }`;
}

/** The k loop's body over one staged tile: acc<i> (row i of the thread's block) += a_i · b-row. */
export function multiplyTile({ tile, depth }: TileShape): string {
  const groups = tile / 4;
  const rows = [0, 1, 2, 3].map((i) => `acc${i} = fma(vec4<f32>(av[${i}]), bv, acc${i});`).join(' ');
  return `for (var kk = 0u; kk < ${depth}u; kk++) {
    let av = tileA[kk * ${groups}u + lid.y];
    let bv = tileB[kk * ${groups}u + lid.x];
    ${rows}
  }`;
}

/** Writes the thread's 4×4 block, skipping what lies past M or N; `write` gives the statement storing a value at an index. */
export function storeBlock(write: (index: string, value: string) => string = (index, value) => `out[${index}] = ${value};`): string {
  return [0, 1, 2, 3]
    .map(
      (i) => `  if (row0 + ${i}u < M) {
    let o = (batch * M + row0 + ${i}u) * N + col0;
    for (var j = 0u; j < 4u; j++) { if (col0 + j < N) { ${write('o + j', `acc${i}[j]`)} } }
  }`,
    )
    .join('\n');
}
