export * from './merging/index.js';
export * from './linalg/index.js';
