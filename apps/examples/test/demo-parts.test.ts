import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '@peftjs/data';
import { draw, encodeEmail, loadSpamData } from '../src/demo/data.js';
import { formatTable, resultsTable, share } from '../src/demo/report.js';
import { runningMean } from '../src/demo/curves.js';

describe('demo data', () => {
  const tokenizer = new ByteTokenizer();

  it('keeps the first maxLength − 1 bytes of an email and ends it with end-of-text', () => {
    expect(encodeEmail(tokenizer, 'Subject: hi', 6)).toEqual([83, 117, 98, 106, 101, 256]);
    expect(encodeEmail(tokenizer, 'ok', 64)).toEqual([111, 107, 256]);
    expect(encodeEmail(tokenizer, 'é', 2)).toEqual([0xc3, 256]); // bytes, not characters
    expect(() => encodeEmail(tokenizer, 'x', 1)).toThrow('encodeEmail: maxLength must be an integer ≥ 2, got 1');
  });

  it('draws without replacement, the same way for the same seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = draw(items, 20, 3);
    expect(new Set(a).size).toBe(20);
    expect(draw(items, 20, 3)).toEqual(a);
    expect(draw(items, 20, 4)).not.toEqual(a);
    expect(draw(items, 50, 3).sort((x, y) => x - y)).toEqual(items);
    expect(() => draw(items, 51, 0)).toThrow('draw: cannot draw 51 of 50 items');
  });

  it('loads SpamAssassin emails of both classes with the share of ham as the majority baseline', () => {
    const data = loadSpamData({ trainSize: 200, testSize: 577, maxLength: 16, seed: 0 });
    expect(data.train.length).toBe(200);
    expect(data.test.length).toBe(577);
    expect(new Set(data.train.map((e) => e.label))).toEqual(new Set([0, 1]));
    expect(data.train.every((e) => e.inputIds.length <= 16 && e.inputIds[e.inputIds.length - 1] === 256)).toBe(true);
    expect(tokenizer.decode(data.train[0].inputIds.slice(0, 9))).toBe('Subject: ');
    const ham = data.test.filter((e) => e.label === 0).length / 577;
    expect(data.majorityAccuracy).toBeCloseTo(ham, 12);
    expect(data.majorityAccuracy).toBeGreaterThan(0.65);
    expect(data.majorityAccuracy).toBeLessThan(0.75);
  });
});

describe('demo report', () => {
  it('gives small trainable shares enough digits', () => {
    expect(share(842880, 842880)).toBe('100%');
    expect(share(256, 842880)).toBe('0.030%');
    expect(share(65792, 908416)).toBe('7.2%');
    expect(share(1, 3)).toBe('33.3%');
    expect(share(0, 10)).toBe('0%');
  });

  it('lines up a Markdown table', () => {
    expect(
      formatTable(
        ['a', 'bb'],
        [
          ['xyz', '1'],
          ['q', '22'],
        ],
        ['left', 'right'],
      ),
    ).toBe(['| a   | bb |', '|-----|---:|', '| xyz |  1 |', '| q   | 22 |'].join('\n'));
  });

  it('puts the majority baseline first, then every run with accuracy, parameters and time', () => {
    const table = resultsTable(
      [{ name: 'LoRA', accuracy: 0.8123, trainable: 65792, all: 908416, seconds: 61.04, losses: [] }],
      0.7054,
      577,
    );
    const lines = table.split('\n');
    expect(lines[0]).toContain('test: 577 emails');
    expect(lines[2]).toMatch(/^\| majority class \(always ham\) +\| +70\.5% \|/);
    expect(lines[3]).toMatch(/^\| LoRA +\| +81\.2% \| +65,792 \| +7\.2% \| +61\.0 s \|$/);
  });

  it('smooths loss curves with a running mean over the last steps', () => {
    expect(runningMean([4, 2, 6, 0, 2], 2)).toEqual([4, 3, 4, 3, 1]);
    expect(runningMean([1, 2, 3], 1)).toEqual([1, 2, 3]);
  });
});
