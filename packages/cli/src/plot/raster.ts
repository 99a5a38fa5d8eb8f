/** An 8-bit RGB canvas with the few drawing operations a line chart needs, clipped to its bounds. */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';

export type Rgb = readonly [number, number, number];

export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** Row-major, 3 bytes a pixel, top row first. */
  readonly pixels: Uint8Array;
}

export class Canvas implements RgbImage {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas: width and height must be positive integers, got ${width}×${height}`);
    }
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  setPixel(x: number, y: number, color: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.pixels.set(color, (y * this.width + x) * 3);
  }

  getPixel(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.pixels[i], this.pixels[i + 1], this.pixels[i + 2]];
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.pixels.set(color, (yy * this.width + xx) * 3);
  }

  /** A straight line `thickness` pixels wide (a square brush stepped along the longer axis). */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const half = (thickness - 1) / 2;
    for (let i = 0; i <= steps; i++) {
      const x = x0 + ((x1 - x0) * i) / steps;
      const y = y0 + ((y1 - y0) * i) / steps;
      this.fillRect(Math.round(x - half), Math.round(y - half), thickness, thickness, color);
    }
  }

  /** Text in the built-in bitmap font with its top-left corner at (x, y), each font pixel `scale` pixels wide. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    let cx = Math.round(x);
    for (const ch of text) {
      const rows = glyph(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (rows[r][c] === '#') this.fillRect(cx + c * scale, Math.round(y) + r * scale, scale, scale, color);
        }
      }
      cx += textAdvance(scale);
    }
  }
}

/** Horizontal distance from one character to the next. */
export const textAdvance = (scale: number) => (GLYPH_WIDTH + 1) * scale;

export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : n * textAdvance(scale) - scale;
}

export const textHeight = (scale = 1) => GLYPH_HEIGHT * scale;
