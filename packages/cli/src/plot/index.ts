export { lineChart, PALETTE, type LineChartOptions, type Series } from './chart.js';
export { encodePng, PNG_SIGNATURE } from './png.js';
export { crc32 } from './crc32.js';
export { Canvas, textWidth, type Rgb, type RgbImage } from './raster.js';
export { niceTicks, coveringTicks, formatTick } from './ticks.js';
export { FONT_CHARACTERS } from './font.js';
