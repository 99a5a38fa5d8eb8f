/**
 * PyTorch's CPU generator (`torch.Generator().manual_seed(seed)`): a Mersenne Twister (MT19937)
 * seeded as C++'s std::mt19937. PEFT derives some fixed tensors from a seed with it (VeRA's shared
 * projections, FourierFT's and WaveFT's frequency positions); replaying it gives the very same
 * tensors, so an adapter saved by PEFT without them loads here exactly as in PEFT.
 */
export class TorchGenerator {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new TypeError(`TorchGenerator: seed must be an integer, got ${seed}`);
    // the low 32 bits seed the twister (std::mt19937's init_genrand)
    this.state[0] = Number(BigInt.asUintN(32, BigInt(seed)));
    for (let i = 1; i < 624; i++) {
      const prev = this.state[i - 1]! ^ (this.state[i - 1]! >>> 30);
      this.state[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32 random bits (the generator's `random()`). */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const s = this.state;
    for (let i = 0; i < 624; i++) {
      const y = (s[i]! & 0x80000000) | (s[(i + 1) % 624]! & 0x7fffffff);
      let v = s[(i + 397) % 624]! ^ (y >>> 1);
      if (y & 1) v ^= 0x9908b0df;
      s[i] = v >>> 0;
    }
    this.index = 0;
  }

  /**
   * torch.randperm(n, generator) on the CPU: for each i < n − 1, swap i with i + (random() mod (n − i)).
   * PyTorch uses this form below 2³²/20 elements; larger n are refused.
   */
  randperm(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n >= 0xffffffff / 20)
      throw new RangeError(`TorchGenerator.randperm: n must be an integer in [0, 2^32/20), got ${n}`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = 0; i < n - 1; i++) {
      const z = i + (this.nextUint32() % (n - i));
      const t = out[i]!;
      out[i] = out[z]!;
      out[z] = t;
    }
    return out;
  }

  /**
   * float32 `tensor.uniform_(low, high, generator)`: 24 random bits u per element, u·2⁻²⁴·(high − low) + low
   * with float32 bounds, rounded once to float32.
   */
  uniformFloat32(count: number, low: number, high: number): Float32Array {
    const lo = Math.fround(low);
    const width = Math.fround(Math.fround(high) - lo);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = ((this.nextUint32() & 0xffffff) / 16777216) * width + lo;
    return out;
  }
}
