export { exportOnnx, toOnnx, type ExportOnnxOptions } from './export.js';
