// Map helpers, tail calls and the callback helpers (for_each_map_elem, loop).

import { BpfFunc, MapType } from '../../uapi/bpf.js';
import { Errno } from '../../uapi/errno.js';
import { Control, type Cpu } from '../../vm/cpu.js';
import { callFunction } from '../../vm/interpreter.js';
import { FUNC_HI } from '../../vm/memory.js';
import type { BpfMap } from '../../maps/types.js';
import { envOf, type RunnableProgram } from '../env.js';
import { helperName } from '../protos.js';
import type { HelperImpls } from './registry.js';
import { memIn, memOut } from './util.js';

/** Map-type specific operations (implemented by the maps module's classes). */
interface MapOps extends BpfMap {
  pushAddr?(valueAddr: number, flags: number): number;
  popAddr?(valueAddr: number): number;
  peekAddr?(valueAddr: number): number;
  lookupPercpuAddr?(keyAddr: number, cpu: number): number;
  forEach?(fn: (keyAddr: number, valueAddr: number) => number): number;
}

/** BPF_MAX_LOOPS */
const MAX_LOOPS = 8 * 1024 * 1024;
/** MAX_TAIL_CALL_CNT */
export const MAX_TAIL_CALL_CNT = 33;

export function mapArg(cpu: Cpu, id: number, n = 1): MapOps {
  const a = cpu.addr(n);
  const m = a >= 0 ? envOf(cpu).runtime.mapByAddr(a) : undefined;
  if (!m) throw cpu.helperFault(`${helperName(id)}: R${n} is not a map pointer`);
  return m as MapOps;
}

function funcArg(cpu: Cpu, id: number, n: number): number {
  if (cpu.regs[n * 2 + 1] !== FUNC_HI) throw cpu.helperFault(`${helperName(id)}: R${n} is not a function pointer`);
  return cpu.regs[n * 2]! >>> 0;
}

/** Call the callback at `pc` with r1..r5 = args; returns its r0 (low 32 bits, unsigned), or undefined when the program exited. */
function callback(cpu: Cpu, pc: number, args: ReadonlyArray<[number, number]>): number | undefined {
  const prog = cpu.prog;
  if (!prog) throw cpu.helperFault('callback outside a program');
  const R = cpu.regs;
  const saved = R.slice(0, 12);
  for (let i = 0; i < 5; i++) { R[(i + 1) * 2] = args[i]?.[0] ?? 0; R[(i + 1) * 2 + 1] = args[i]?.[1] ?? 0; }
  callFunction(cpu, prog, pc);
  const r = R[0]! >>> 0;
  R.set(saved.subarray(2), 2); // r1..r5 as they were
  if (cpu.control === Control.EXIT) return undefined;
  return r;
}

function ptrPair(cpu: Cpu, a: number): [number, number] {
  return [a | 0, a === 0 ? 0 : cpu.regs[21]!]; // r10's high half is ADDR_HI
}

/** bpf_map_pop_elem / bpf_map_peek_elem: the value goes to R2's buffer. */
function takeElem(cpu: Cpu, id: BpfFunc, remove: boolean): void {
  const m = mapArg(cpu, id);
  const v = memOut(cpu, id, 2, m.spec.valueSize);
  const take = remove ? m.popAddr : m.peekAddr;
  const r = take ? take.call(m, v) : -Errno.EINVAL;
  if (r === 0) cpu.mem.markWritten(v, m.spec.valueSize);
  else if (r === -Errno.ENOENT && (m.spec.type === MapType.QUEUE || m.spec.type === MapType.STACK)) {
    // an empty queue/stack zeroes the value (the kernel's __queue_map_get / __stack_map_get)
    cpu.mem.write(v, new Uint8Array(m.spec.valueSize));
  }
  cpu.ret(r);
}

export const mapHelpers: HelperImpls = {
  [BpfFunc.map_lookup_elem]: (cpu) => {
    const m = mapArg(cpu, BpfFunc.map_lookup_elem);
    const k = memIn(cpu, BpfFunc.map_lookup_elem, 2, m.spec.keySize);
    cpu.setPtr(0, m.lookupAddr(k));
  },
  [BpfFunc.map_update_elem]: (cpu) => {
    const m = mapArg(cpu, BpfFunc.map_update_elem);
    const k = memIn(cpu, BpfFunc.map_update_elem, 2, m.spec.keySize);
    const v = memIn(cpu, BpfFunc.map_update_elem, 3, m.spec.valueSize);
    cpu.ret(m.updateAddr(k, v, cpu.num(4)));
  },
  [BpfFunc.map_delete_elem]: (cpu) => {
    const m = mapArg(cpu, BpfFunc.map_delete_elem);
    const k = memIn(cpu, BpfFunc.map_delete_elem, 2, m.spec.keySize);
    cpu.ret(m.deleteAddr(k));
  },
  [BpfFunc.map_push_elem]: (cpu) => {
    const m = mapArg(cpu, BpfFunc.map_push_elem);
    const v = memIn(cpu, BpfFunc.map_push_elem, 2, m.spec.valueSize);
    cpu.ret(m.pushAddr ? m.pushAddr(v, cpu.num(3)) : -Errno.EINVAL);
  },
  [BpfFunc.map_pop_elem]: (cpu) => takeElem(cpu, BpfFunc.map_pop_elem, true),
  [BpfFunc.map_peek_elem]: (cpu) => takeElem(cpu, BpfFunc.map_peek_elem, false),
  [BpfFunc.map_lookup_percpu_elem]: (cpu) => {
    const m = mapArg(cpu, BpfFunc.map_lookup_percpu_elem);
    const k = memIn(cpu, BpfFunc.map_lookup_percpu_elem, 2, m.spec.keySize);
    const c = cpu.u32(3);
    cpu.setPtr(0, m.lookupPercpuAddr && c < envOf(cpu).runtime.ncpus ? m.lookupPercpuAddr(k, c) : 0);
  },
  [BpfFunc.for_each_map_elem]: (cpu) => {
    const m = mapArg(cpu, BpfFunc.for_each_map_elem);
    const pc = funcArg(cpu, BpfFunc.for_each_map_elem, 2);
    const ctxArg: [number, number] = [cpu.regs[6]!, cpu.regs[7]!];
    if (cpu.num(4) !== 0) return cpu.ret(-Errno.EINVAL);
    if (!m.forEach) return cpu.ret(-Errno.ENOTSUPP);
    const mapPtr: [number, number] = [cpu.regs[2]!, cpu.regs[3]!];
    let exited = false;
    const n = m.forEach((k, v) => {
      const r = callback(cpu, pc, [mapPtr, ptrPair(cpu, k), ptrPair(cpu, v), ctxArg]);
      if (r === undefined) { exited = true; return 1; }
      return r;
    });
    if (exited) return;
    cpu.ret(n);
  },
  [BpfFunc.loop]: (cpu) => {
    const n = cpu.u32(1);
    const pc = funcArg(cpu, BpfFunc.loop, 2);
    const ctxArg: [number, number] = [cpu.regs[6]!, cpu.regs[7]!];
    if (cpu.num(4) !== 0) return cpu.ret(-Errno.EINVAL);
    if (n > MAX_LOOPS) return cpu.ret(-Errno.E2BIG);
    for (let i = 0; i < n; i++) {
      const r = callback(cpu, pc, [[i, 0], ctxArg]);
      if (r === undefined) return;
      if (r !== 0) return cpu.ret(i + 1);
    }
    cpu.ret(n);
  },
  [BpfFunc.tail_call]: (cpu) => {
    const env = envOf(cpu);
    const m = mapArg(cpu, BpfFunc.tail_call, 2);
    const index = cpu.u32(3);
    if (index >= m.spec.maxEntries) return;
    if (cpu.tailCalls >= MAX_TAIL_CALL_CNT) return;
    const slots = m as unknown as { programAt?(i: number): unknown };
    const target = slots.programAt?.(index) as RunnableProgram | undefined;
    if (!target || !('program' in target)) return;
    cpu.tailCalls++;
    env.prog = target;
    cpu.tailTarget = target.program;
    cpu.control = Control.TAIL_CALL;
  },
};
