import { tensor, type Tensor } from '@peftjs/core';

/** The base model learns English prose first (Lewis Carroll, 1865, public domain)... */
export const BASE_TEXT =
  'alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: ' +
  'once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations ' +
  'in it, and what is the use of a book, thought alice, without pictures or conversations? so she was ' +
  'considering in her own mind (as well as she could, for the hot day made her feel very sleepy and stupid), ' +
  'whether the pleasure of making a daisy-chain would be worth the trouble of getting up and picking the ' +
  'daisies, when suddenly a white rabbit with pink eyes ran close by her. ';

/** ...then LoRA adapts it to verse (Jane Taylor, 1806, public domain). */
export const ADAPTER_TEXT =
  'twinkle, twinkle, little star, how i wonder what you are! up above the world so high, like a diamond in ' +
  'the sky. when the blazing sun is gone, when he nothing shines upon, then you show your little light, ' +
  'twinkle, twinkle, all the night. then the traveller in the dark thanks you for your tiny spark: he could ' +
  'not see which way to go, if you did not twinkle so. ';

/** Characters ↔ ids over both texts. */
export class Vocabulary {
  readonly chars: string[];
  private readonly ids: Map<string, number>;

  constructor(...texts: string[]) {
    this.chars = [...new Set(texts.join(''))].sort();
    this.ids = new Map(this.chars.map((c, i) => [c, i]));
  }

  get size(): number {
    return this.chars.length;
  }

  encode(text: string): Int32Array {
    return Int32Array.from(text, (c) => {
      const id = this.ids.get(c);
      if (id === undefined) throw new RangeError(`Vocabulary.encode: '${c}' is not in the vocabulary`);
      return id;
    });
  }
}

/** A seeded stream in [0, 1) (mulberry32), so a run's batches are the same every time. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `batch` random windows of `context` ids and the id after each: int32 [batch, context] and [batch]. */
export function sampleBatch(ids: Int32Array, context: number, batch: number, random: () => number): { x: Tensor; y: Tensor } {
  const x = new Int32Array(batch * context);
  const y = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const start = Math.floor(random() * (ids.length - context));
    x.set(ids.subarray(start, start + context), b * context);
    y[b] = ids[start + context];
  }
  return { x: tensor(x, { shape: [batch, context], dtype: 'int32' }), y: tensor(y, { shape: [batch], dtype: 'int32' }) };
}
