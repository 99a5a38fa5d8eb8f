/** A line chart rasterised onto a Canvas: axes with ticks and labels, light grid lines, a title and a legend. */
import { Canvas, textHeight, textWidth, type Rgb } from './raster.js';
import { coveringTicks, formatTick } from './ticks.js';

export interface Series {
  readonly name: string;
  /** [x, y] points; non-finite values are skipped (the line breaks there). */
  readonly points: readonly (readonly [number, number])[];
  readonly color?: Rgb;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number;
  readonly height?: number;
}

/** Colour-blind-safe (Okabe–Ito) line colours, used in order when a series names none. */
export const PALETTE: readonly Rgb[] = [
  [0, 114, 178],
  [213, 94, 0],
  [0, 158, 115],
  [204, 121, 167],
  [230, 159, 0],
  [86, 180, 233],
  [0, 0, 0],
];

const INK: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const FRAME: Rgb = [150, 150, 150];
const SCALE = 2;
const TICK = 6;

export function lineChart(options: LineChartOptions): Canvas {
  const { title, xLabel, yLabel, series, width = 960, height = 600 } = options;
  if (series.length === 0) throw new RangeError('lineChart: needs at least one series');
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  if (finite.length === 0) throw new RangeError('lineChart: no series has a finite point');
  const canvas = new Canvas(width, height);

  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  const xTicks = coveringTicks(Math.min(0, ...xs), Math.max(...xs), 8); // x starts at 0 (step 0) or below
  const [yLow, yHigh] = [Math.min(...ys), Math.max(...ys)];
  const yPad = yLow === yHigh ? Math.abs(yHigh) * 0.05 || 1 : 0;
  const yTicks = coveringTicks(yLow - yPad, yHigh + yPad, 6);
  // the axes run from the first tick to the last, which enclose the data
  const [xMin, xMax] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [yMin, yMax] = [yTicks[0], yTicks[yTicks.length - 1]];

  const yTickLabels = yTicks.map((t) => formatTick(t, yTicks));
  const left = 24 + Math.max(...yTickLabels.map((l) => textWidth(l, SCALE))) + TICK;
  const right = width - 30;
  const top = 70;
  const bottom = height - 70;
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin || 1)) * (right - left);
  const py = (y: number) => bottom - ((y - yMin) / (yMax - yMin || 1)) * (bottom - top);

  canvas.text((width - textWidth(title, SCALE)) / 2, 14, title, INK, SCALE);
  canvas.text(left, top - textHeight(SCALE) - 12, yLabel, INK, SCALE);
  canvas.text((left + right - textWidth(xLabel, SCALE)) / 2, height - textHeight(SCALE) - 10, xLabel, INK, SCALE);

  for (const [i, t] of yTicks.entries()) {
    const y = Math.round(py(t));
    canvas.line(left, y, right, y, GRID);
    canvas.line(left - TICK, y, left, y, INK);
    canvas.text(left - TICK - 4 - textWidth(yTickLabels[i], SCALE), y - textHeight(SCALE) / 2 + 1, yTickLabels[i], INK, SCALE);
  }
  for (const t of xTicks) {
    const x = Math.round(px(t));
    canvas.line(x, top, x, bottom, GRID);
    canvas.line(x, bottom, x, bottom + TICK, INK);
    const label = formatTick(t, xTicks);
    canvas.text(x - textWidth(label, SCALE) / 2, bottom + TICK + 6, label, INK, SCALE);
  }
  canvas.line(left, top, left, bottom, INK);
  canvas.line(left, bottom, right, bottom, INK);

  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  series.forEach((s, i) => {
    let previous: readonly [number, number] | null = null;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        previous = null;
        continue;
      }
      const point = [px(x), py(y)] as const;
      if (previous) canvas.line(previous[0], previous[1], point[0], point[1], colors[i], 2);
      else canvas.fillRect(point[0] - 1, point[1] - 1, 2, 2, colors[i]);
      previous = point;
    }
  });

  drawLegend(
    canvas,
    series.map((s) => s.name),
    colors,
    { left, right, top, bottom },
    new Set(colors),
  );
  return canvas;
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const SWATCH = 28;
const legendRow = () => textHeight(SCALE) + 8;

/** A framed box of colour swatches and names, in the corner of the plot where it hides the fewest line pixels. */
function drawLegend(canvas: Canvas, names: readonly string[], colors: readonly Rgb[], plot: Box, lineColors: ReadonlySet<Rgb>): void {
  const w = 12 + SWATCH + 8 + Math.max(...names.map((n) => textWidth(n, SCALE))) + 12;
  const h = names.length * legendRow() + 12;
  const margin = 10;
  const corners = [
    [plot.right - margin - w, plot.top + margin],
    [plot.left + margin, plot.top + margin],
    [plot.right - margin - w, plot.bottom - margin - h],
    [plot.left + margin, plot.bottom - margin - h],
  ];
  const inked = ([x, y]: number[]) => {
    let n = 0;
    for (let yy = Math.max(0, y); yy <= Math.min(canvas.height - 1, y + h); yy++) {
      for (let xx = Math.max(0, x); xx <= Math.min(canvas.width - 1, x + w); xx++) {
        const p = canvas.getPixel(xx, yy);
        if ([...lineColors].some((c) => c[0] === p[0] && c[1] === p[1] && c[2] === p[2])) n++;
      }
    }
    return n;
  };
  const counts = corners.map(inked);
  const [x0, y] = corners[counts.indexOf(Math.min(...counts))];
  const row = legendRow();
  canvas.fillRect(x0, y, w, h, [255, 255, 255]);
  canvas.line(x0, y, x0 + w, y, FRAME);
  canvas.line(x0, y + h, x0 + w, y + h, FRAME);
  canvas.line(x0, y, x0, y + h, FRAME);
  canvas.line(x0 + w, y, x0 + w, y + h, FRAME);
  names.forEach((name, i) => {
    const cy = y + 6 + i * row + row / 2 - 4;
    canvas.line(x0 + 12, cy, x0 + 12 + SWATCH, cy, colors[i], 3);
    canvas.text(x0 + 12 + SWATCH + 8, cy - textHeight(SCALE) / 2 + 1, name, INK, SCALE);
  });
}
