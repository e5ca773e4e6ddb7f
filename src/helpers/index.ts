// The helpers module: every prototype (protos.ts) with its implementation, and the table
// the cpu calls through (indexed by helper id). Helpers tsbpf knows but does not implement
// raise a RunError naming themselves when called.

import type { Cpu, HelperFn } from '../vm/cpu.js';
import { HELPER_PROTOS, helperName, helperProto, MAX_HELPER_ID } from './protos.js';
import type { HelperDef } from './types.js';
import { mapHelpers } from './impl/maps.js';
import { skbHelpers } from './impl/skb.js';
import { taskHelpers } from './impl/task.js';
import { traceHelpers } from './impl/trace.js';
import { xdpHelpers } from './impl/xdp.js';
import { eventHelpers } from './impl/events.js';
import { fibHelpers } from './impl/fib.js';
import type { HelperImpls } from './impl/registry.js';

const IMPLS: HelperImpls = {
  ...mapHelpers, ...skbHelpers, ...taskHelpers, ...traceHelpers, ...xdpHelpers, ...eventHelpers, ...fibHelpers,
};

/** Every helper: prototype and (when tsbpf provides one) implementation, by id order. */
export const HELPERS: readonly HelperDef[] = HELPER_PROTOS.map((proto) =>
  Object.freeze(IMPLS[proto.id] ? { proto, impl: IMPLS[proto.id]! } : { proto }));

export function helperDef(id: number): HelperDef | undefined {
  const proto = helperProto(id);
  return proto ? HELPERS.find((h) => h.proto.id === id) : undefined;
}

/** Ids of the helpers tsbpf implements. */
export function implementedHelpers(): number[] {
  return HELPERS.filter((h) => h.impl).map((h) => h.proto.id);
}

function unimplemented(id: number): HelperFn {
  return (cpu: Cpu) => {
    throw cpu.helperFault(`helper ${helperName(id)}#${id} is not implemented by tsbpf`);
  };
}

let TABLE: HelperFn[] | undefined;

/** The cpu's helper table: implementations by id, stubs naming the helper otherwise. */
export function helperTable(): ReadonlyArray<HelperFn | undefined> {
  if (!TABLE) {
    TABLE = [];
    for (let id = 1; id <= MAX_HELPER_ID; id++) TABLE[id] = IMPLS[id] ?? unimplemented(id);
  }
  return TABLE;
}

export { HELPER_PROTOS, helperName, helperProto, MAX_HELPER_ID } from './protos.js';
export type { ArgKind, ArgSpec, HelperDef, HelperProto, RetKind } from './types.js';
export type { PacketState, RedirectRecord, RunEnv, RunnableProgram } from './env.js';
export { syncPacket } from './packet.js';
