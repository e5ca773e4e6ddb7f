export * from './types.js';
export * from './btf.js';
export * from './ext.js';
export * from './json-writer.js';
export * from './dump-raw.js';
export * from './dump-c.js';
