export * from './config-fields.js';
export * from './peft-config.js';
export * from './peft-method.js';
export * from './layer-method.js';
export * from './prompt-method.js';
export * from './registry.js';
