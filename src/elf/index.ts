// Public surface of the ELF layer.
export * from './types.js';
export { parseElf, type ParseOptions } from './read.js';
export { hasElfMagic } from './headers.js';
export { describeMachine, describeOsabi, describeType } from './describe.js';
