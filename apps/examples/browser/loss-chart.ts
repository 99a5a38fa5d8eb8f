export interface Series {
  label: string;
  color: string;
  /** Loss at each step; a series starts where the previous one ended on the step axis. */
  values: readonly number[];
}

/** Draws loss against step for consecutive training phases, with axes, ticks and a legend. */
export function drawLossChart(canvas: HTMLCanvasElement, series: readonly Series[]): void {
  const g = canvas.getContext('2d');
  if (!g) throw new Error('drawLossChart: the canvas has no 2d context');
  const { width, height } = canvas;
  const pad = { left: 56, right: 16, top: 16, bottom: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const all = series.flatMap((s) => s.values);
  const steps = Math.max(2, all.length);
  const top = Math.max(1e-3, ...all) * 1.05;
  const x = (step: number) => pad.left + (step / (steps - 1)) * plotW;
  const y = (loss: number) => pad.top + (1 - loss / top) * plotH;

  g.fillStyle = '#fff';
  g.fillRect(0, 0, width, height);
  g.strokeStyle = '#ddd';
  g.fillStyle = '#444';
  g.font = '12px sans-serif';
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const loss = (top * i) / 4;
    g.beginPath();
    g.moveTo(pad.left, y(loss));
    g.lineTo(width - pad.right, y(loss));
    g.stroke();
    g.textAlign = 'right';
    g.fillText(loss.toFixed(2), pad.left - 6, y(loss) + 4);
  }
  g.textAlign = 'center';
  for (let i = 0; i <= 4; i++) {
    const step = Math.round(((steps - 1) * i) / 4);
    g.fillText(String(step), x(step), height - pad.bottom + 16);
  }
  g.fillText('step', pad.left + plotW / 2, height - 6);
  g.save();
  g.translate(14, pad.top + plotH / 2);
  g.rotate(-Math.PI / 2);
  g.fillText('cross-entropy loss', 0, 0);
  g.restore();

  let offset = 0;
  let legendX = pad.left + 12;
  for (const s of series) {
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.beginPath();
    s.values.forEach((v, i) => (i === 0 ? g.moveTo(x(offset + i), y(v)) : g.lineTo(x(offset + i), y(v))));
    g.stroke();
    offset += s.values.length;
    g.fillStyle = s.color;
    g.fillRect(legendX, pad.top + 8, 14, 3);
    g.fillStyle = '#222';
    g.textAlign = 'left';
    g.fillText(s.label, legendX + 20, pad.top + 13);
    legendX += 28 + g.measureText(s.label).width;
  }
}
