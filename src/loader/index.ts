// The loader: clang-built BPF ELF objects → ObjectSpec (pure data; see types.ts).
export * from './types.js';
export { LoaderError, type LoaderLocation } from './errors.js';
export { parseObject, objectNameFromPath, internalMapName, kernelMapName, fixupBtf, MAP_TYPES_WITHOUT_BTF, MAX_PROG_SLOTS, MAX_TOTAL_SLOTS, type ParseOptions, type SectionOverride } from './parse.js';
export {
  SECTION_DEFS, SecFlag, sectionDefMatches, findSectionDef, sectionInfo, progTypeBySection, progFlagsOf, attachTargetOf,
  type SectionDef, type SectionInfo,
} from './sections.js';
export { lineInfoFor, lineInfoAt, formatLineInfo } from './lineinfo.js';
export { applyCoreRelo, essentialName, poisonInsn, CORE_POISON_IMM } from './core.js';
