export * from './config-fields.js';
export * from './config.js';
export * from './method.js';
export * from './registry.js';
