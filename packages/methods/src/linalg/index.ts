export { svd, svdvals, type SvdOptions, type SvdResult } from './svd.js';
export { qr, type QrMode, type QrResult } from './qr.js';
