import type { HelperFn } from '../../vm/cpu.js';

/** Implementations by helper id. */
export type HelperImpls = Record<number, HelperFn>;
