import { Code, moduleBytes, I32, V128, type MemorySpec } from './wasm.js';

/**
 * The inner loops of a packed GEMM, as one WebAssembly SIMD function:
 *
 *   block(mTiles, nTiles, kc, pa, paStride, pb, pbStride, pc, ldc)
 *
 * For every tile (i, j), i < mTiles, j < nTiles:  C[i·MR.., j·NR..] += Aᵢ · Bⱼ  where
 *   Aᵢ is the packed A sliver at pa + i·paStride: kc steps of MR floats (column p of the MR rows),
 *   Bⱼ is the packed B sliver at pb + j·pbStride: kc steps of NR floats (row p of the NR columns),
 *   C is row-major float32 at pc with a row pitch of ldc bytes. Pointers and strides are in bytes.
 *
 * The micro-kernel keeps the MR × NR tile of C in MR · NR/4 v128 locals. Each step p loads NR/4
 * vectors of B, splats each of the MR values of A and does one multiply and one add per
 * accumulator: C[r, :] += A[r, p] · B[p, :] (with `fma`, one relaxed-SIMD multiply-add instead,
 * fused where the hardware has FMA). Counts and kc must be at least 1.
 */
export function blockKernelBytes(mr: number, nr: number, options: { fma?: boolean; memory?: MemorySpec } = {}): Uint8Array {
  if (nr % 4 !== 0) throw new RangeError(`blockKernel: NR must be a multiple of 4, got ${nr}`);
  const nv = nr / 4;
  // parameters
  const mTiles = 0,
    nTiles = 1,
    kc = 2,
    pa = 3,
    paStride = 4,
    pb = 5,
    pbStride = 6,
    pc = 7,
    ldc = 8;
  // i32 locals
  const j = 9,
    i = 10,
    ap = 11,
    bp = 12,
    cp = 13,
    k = 14,
    aSliver = 15,
    cRow = 16,
    cCol = 17,
    bSliver = 18;
  const i32Locals = 10;
  // v128 locals: the accumulators, then the B vectors, then the splatted A value
  const acc = (r: number, v: number) => 19 + r * nv + v;
  const bv = (v: number) => 19 + mr * nv + v;
  const av = 19 + mr * nv + nv;
  const v128Locals = mr * nv + nv + 1;

  const c = new Code();
  const decrementAndLoop = (counter: number) => c.get(counter).i32(1).sub().tee(counter).brIf(0);

  c.get(pb).set(bSliver).get(pc).set(cCol).get(nTiles).set(j);
  c.loop(); // over column tiles j
  c.get(pa).set(aSliver).get(cCol).set(cp).get(mTiles).set(i);
  c.loop(); // over row tiles i

  // acc = C tile
  c.get(cp).set(cRow);
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++)
      c.get(cRow)
        .v128Load(v * 16)
        .set(acc(r, v));
    if (r < mr - 1) c.get(cRow).get(ldc).add().set(cRow);
  }

  c.get(aSliver).set(ap).get(bSliver).set(bp).get(kc).set(k);
  c.loop(); // over p
  for (let v = 0; v < nv; v++)
    c.get(bp)
      .v128Load(v * 16)
      .set(bv(v));
  for (let r = 0; r < mr; r++) {
    c.get(ap)
      .v128Load32Splat(r * 4)
      .set(av);
    for (let v = 0; v < nv; v++) {
      if (options.fma) c.get(av).get(bv(v)).get(acc(r, v)).f32x4RelaxedMadd().set(acc(r, v));
      else c.get(acc(r, v)).get(av).get(bv(v)).f32x4Mul().f32x4Add().set(acc(r, v));
    }
  }
  c.get(ap)
    .i32(mr * 4)
    .add()
    .set(ap);
  c.get(bp)
    .i32(nr * 4)
    .add()
    .set(bp);
  decrementAndLoop(k);
  c.end();

  // C tile = acc
  c.get(cp).set(cRow);
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++)
      c.get(cRow)
        .get(acc(r, v))
        .v128Store(v * 16);
    if (r < mr - 1) c.get(cRow).get(ldc).add().set(cRow);
  }

  c.get(aSliver).get(paStride).add().set(aSliver);
  c.get(cp).get(ldc).i32(mr).mul().add().set(cp);
  decrementAndLoop(i);
  c.end();

  c.get(bSliver).get(pbStride).add().set(bSliver);
  c.get(cCol)
    .i32(nr * 4)
    .add()
    .set(cCol);
  decrementAndLoop(j);
  c.end();

  return moduleBytes(options.memory ?? { kind: 'own', pages: 1 }, [
    {
      name: 'block',
      params: 9,
      locals: [
        [i32Locals, I32],
        [v128Locals, V128],
      ],
      code: c,
    },
  ]);
}
