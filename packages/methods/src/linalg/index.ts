export { svd, svdvals, type SvdOptions, type SvdResult } from './svd.js';
export { qr, type QrMode, type QrResult } from './qr.js';
export { solve, inverse, identityLike, type SolveOptions } from './solve.js';
export { skewSymmetric, packedSize } from './skew.js';
export { cayley, cayleyNeumann } from './cayley.js';
export { blockDiagonal } from './block-diagonal.js';
