import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Canvas,
  FONT_CHARACTERS,
  PALETTE,
  coveringTicks,
  crc32,
  encodePng,
  formatTick,
  lineChart,
  niceTicks,
  textWidth,
  type RgbImage,
} from '../src/plot/index.js';

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
}

/** Reads a PNG as the format defines it: signature, then length/type/data/CRC chunks. */
function readChunks(png: Uint8Array): Chunk[] {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    const data = png.subarray(offset + 8, offset + 8 + length);
    chunks.push({ type, data, crc: view.getUint32(offset + 8 + length) });
    // the CRC covers the type and the data; node:zlib's crc32 is the reference
    expect(zlibCrc32(png.subarray(offset + 4, offset + 8 + length)) >>> 0).toBe(view.getUint32(offset + 8 + length));
    offset += 12 + length;
  }
  expect(offset).toBe(png.length);
  return chunks;
}

/** Decodes what encodePng writes (8-bit RGB, filter type 0 on every line) back to pixels. */
function decodeRgbPng(png: Uint8Array): RgbImage {
  const chunks = readChunks(png);
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const width = ihdr.getUint32(0);
  const height = ihdr.getUint32(4);
  expect([...chunks[0].data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
  const raw = new Uint8Array(inflateSync(chunks[1].data));
  expect(raw.length).toBe(height * (1 + width * 3));
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 3 + 1)]).toBe(0);
    pixels.set(raw.subarray(y * (width * 3 + 1) + 1, (y + 1) * (width * 3 + 1)), y * width * 3);
  }
  return { width, height, pixels };
}

describe('crc32', () => {
  it('gives the published check value and agrees with zlib, also when continued', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(crc32(bytes)).toBe(0xcbf43926);
    const random = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) % 251);
    expect(crc32(random)).toBe(zlibCrc32(random) >>> 0);
    expect(crc32(random.subarray(600), crc32(random.subarray(0, 600)))).toBe(crc32(random));
  });
});

describe('encodePng', () => {
  it('writes a PNG whose chunks check out and whose pixels decode back exactly', () => {
    const canvas = new Canvas(7, 3, [10, 20, 30]);
    canvas.setPixel(0, 0, [255, 0, 0]);
    canvas.setPixel(6, 2, [0, 255, 0]);
    canvas.setPixel(99, 99, [1, 2, 3]); // outside: clipped
    const decoded = decodeRgbPng(encodePng(canvas));
    expect([decoded.width, decoded.height]).toEqual([7, 3]);
    expect([...decoded.pixels]).toEqual([...canvas.pixels]);
    expect([...decoded.pixels.subarray(0, 6)]).toEqual([255, 0, 0, 10, 20, 30]);
  });

  it('refuses pixels that do not fit the size', () => {
    expect(() => encodePng({ width: 2, height: 2, pixels: new Uint8Array(11) })).toThrow('encodePng: 2×2 RGB needs 12 bytes, got 11');
    expect(() => new Canvas(0, 5)).toThrow('Canvas: width and height must be positive integers, got 0×5');
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten and covers the range', () => {
    expect(niceTicks(0, 120, 8)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    expect(niceTicks(0.13, 0.71, 6)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(-1, 1, 4)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(formatTick(0.30000000000000004, [0.2, 0.3])).toBe('0.3');
    expect(formatTick(40, [0, 20, 40])).toBe('40');
    expect(() => niceTicks(2, 1)).toThrow('niceTicks: needs finite min ≤ max, got [2, 1]');
    // widened to enclose the data
    expect(niceTicks(0.26, 0.87, 6)).toEqual([0.4, 0.6, 0.8]);
    expect(coveringTicks(0.26, 0.87, 6)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(coveringTicks(0, 100, 8)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});

describe('lineChart', () => {
  const count = (image: RgbImage, color: readonly number[], where: (x: number, y: number) => boolean = () => true) => {
    let n = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const i = (y * image.width + x) * 3;
        if (image.pixels[i] === color[0] && image.pixels[i + 1] === color[1] && image.pixels[i + 2] === color[2] && where(x, y)) n++;
      }
    }
    return n;
  };

  it('draws every series in its colour where its values lie, with axes, text and a legend clear of the lines', () => {
    const falling = Array.from({ length: 51 }, (_, i) => [i, 1 - i / 50] as [number, number]);
    const flat = Array.from({ length: 51 }, (_, i) => [i, 0.5] as [number, number]);
    const width = 800;
    const chart = lineChart({
      title: 'Loss',
      xLabel: 'step',
      yLabel: 'loss',
      series: [
        { name: 'falling', points: falling },
        { name: 'flat', points: flat },
      ],
      width,
      height: 400,
    });
    const png = decodeRgbPng(encodePng(chart));
    expect([png.width, png.height]).toEqual([800, 400]);
    const [blue, orange] = PALETTE;
    const rowsOf = (color: readonly number[], x0: number, x1: number) => {
      const rows: number[] = [];
      for (let y = 0; y < png.height; y++)
        for (let x = x0; x < x1; x++)
          if (count({ width: 1, height: 1, pixels: png.pixels.subarray((y * width + x) * 3, (y * width + x) * 3 + 3) }, color) === 1)
            rows.push(y);
      return rows;
    };
    // the flat line is one band across the middle; the falling line crosses it from above to below
    const flatRows = rowsOf(orange, 0.45 * width, 0.55 * width);
    expect(flatRows.length).toBeGreaterThan(0);
    expect(Math.max(...flatRows) - Math.min(...flatRows)).toBeLessThanOrEqual(2);
    const leftBlue = rowsOf(blue, 0.15 * width, 0.2 * width);
    const rightBlue = rowsOf(blue, 0.9 * width, 0.95 * width);
    expect(leftBlue.length).toBeGreaterThan(10);
    expect(rightBlue.length).toBeGreaterThan(10);
    expect(Math.max(...leftBlue)).toBeLessThan(Math.min(...flatRows));
    expect(Math.min(...rightBlue)).toBeGreaterThan(Math.max(...flatRows));
    // the legend went to the empty top-right corner: its swatches and names are there
    const topRight = (x: number, y: number) => x > width / 2 && y < 150;
    expect(count(png, blue, topRight)).toBeGreaterThan(0);
    expect(count(png, orange, (x, y) => topRight(x, y) && !flatRows.includes(y))).toBeGreaterThan(0);
    expect(count(png, [0, 0, 0], topRight)).toBeGreaterThan(50);
    expect(count(png, [0, 0, 0])).toBeGreaterThan(500);
  });

  it('draws text from the built-in font, and a lacking character as ?', () => {
    const canvas = new Canvas(40, 10);
    canvas.text(1, 1, 'I', [0, 0, 0]);
    // I: a bar of three on top and bottom, a stem of five in the middle column
    expect(count(canvas, [0, 0, 0])).toBe(3 + 5 + 3);
    expect(canvas.getPixel(3, 2)).toEqual([0, 0, 0]);
    expect(canvas.getPixel(1, 2)).toEqual([255, 255, 255]);
    const a = new Canvas(10, 10);
    a.text(0, 0, '\u00e9', [0, 0, 0]);
    const b = new Canvas(10, 10);
    b.text(0, 0, '?', [0, 0, 0]);
    expect([...a.pixels]).toEqual([...b.pixels]);
    expect(textWidth('ab', 2)).toBe(22);
    expect(FONT_CHARACTERS).toContain('a');
    expect(FONT_CHARACTERS).toContain('Z');
  });

  it('refuses a chart with nothing to draw', () => {
    expect(() => lineChart({ title: '', xLabel: '', yLabel: '', series: [] })).toThrow('lineChart: needs at least one series');
    expect(() => lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'x', points: [[0, NaN]] }] })).toThrow(
      'lineChart: no series has a finite point',
    );
  });
});
