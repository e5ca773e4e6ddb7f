// tsbpf's public API: parse an object, load it into a runtime, run its programs, read its maps.
//
//   const spec = parseObject(bytes, { name: 'prog' });
//   const coll = loadCollection(spec);
//   const r = coll.programs.count_proto.run({ data: frame });   // { retval, data, ctx, durationNs }
//   coll.maps.proto_cnt.lookup(key);

export { parseObject, objectNameFromPath, LoaderError, type ObjectSpec, type ProgramSpec, type ParseOptions } from './loader/index.js';
export { loadCollection, loadProgram, type CollectionLoadOptions } from './runtime/collection.js';
export { LoadedProgramImpl, licenseIsGplCompatible, type VerifyHook, type VerifyInput, type ProgramLoadOptions } from './runtime/program.js';
export type { TestRunExtra } from './runtime/testrun.js';
export { Runtime, type RuntimeOptions, type TaskInfo, type AddressSpaceRegion, type NetDevice, type Route } from './runtime/runtime.js';
export type { Collection, LoadedProgram, LoadOptions, TestRunOptions, TestRunResult } from './runtime/types.js';
export { ProgLoadError, TestRunError } from './runtime/errors.js';
export { progTag } from './runtime/tag.js';
export { kernelVerifier } from './runtime/verify.js';
export * as maps from './maps/index.js';
export { createMap, MapError, type BpfMap, type MapSpec } from './maps/index.js';
export { progTypeInfo, supportedProgTypes, XdpAction, type ProgTypeInfo, type CtxField } from './progs/index.js';
export { HELPERS, HELPER_PROTOS, helperProto, helperName, implementedHelpers, type HelperProto, type HelperDef } from './helpers/index.js';
export { assemble, type AssembleOptions, type AssembleResult } from './asm/assemble.js';
export { disassemble, formatInsn } from './asm/disasm.js';
export { decode, encode, type Insn } from './isa/insn.js';
export { BpfError, RunError, MemoryFault, InvalidInsnError, AsmError } from './errors.js';
export { ProgType, MapType, AttachType, BpfFunc } from './uapi/bpf.js';
