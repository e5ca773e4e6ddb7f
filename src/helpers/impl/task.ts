// Clocks, randomness, CPU and current-task helpers, answered from the runtime.

import { BpfFunc } from '../../uapi/bpf.js';
import { Errno } from '../../uapi/errno.js';
import { envOf } from '../env.js';
import type { HelperImpls } from './registry.js';
import { memOut } from './util.js';

/** CONFIG_HZ of the jiffies clock. */
export const HZ = 250;
/** INITIAL_JIFFIES (64-bit): jiffies start 5 minutes before wrapping 32 bits. */
const INITIAL_JIFFIES = BigInt.asUintN(64, BigInt((-300 * HZ) >>> 0));

export const taskHelpers: HelperImpls = {
  [BpfFunc.ktime_get_ns]: (cpu) => cpu.setBig(0, envOf(cpu).runtime.clockNs()),
  [BpfFunc.ktime_get_boot_ns]: (cpu) => cpu.setBig(0, envOf(cpu).runtime.clockNs()),
  [BpfFunc.ktime_get_coarse_ns]: (cpu) => {
    const ns = envOf(cpu).runtime.clockNs();
    const tick = BigInt(1e9 / HZ);
    cpu.setBig(0, ns - ns % tick);
  },
  [BpfFunc.ktime_get_tai_ns]: (cpu) => cpu.setBig(0, envOf(cpu).runtime.clockNs() + 37_000_000_000n),
  [BpfFunc.jiffies64]: (cpu) => {
    const rt = envOf(cpu).runtime;
    cpu.setBig(0, BigInt.asUintN(64, INITIAL_JIFFIES + (rt.clockNs() - rt.bootNs) / BigInt(1e9 / HZ)));
  },
  [BpfFunc.get_prandom_u32]: (cpu) => cpu.ret(envOf(cpu).runtime.prandom()),
  [BpfFunc.get_smp_processor_id]: (cpu) => cpu.ret(envOf(cpu).runtime.currentCpu),
  [BpfFunc.get_numa_node_id]: (cpu) => cpu.ret(0),
  [BpfFunc.get_current_pid_tgid]: (cpu) => {
    const t = envOf(cpu).runtime.task;
    cpu.setBig(0, (BigInt(t.tgid >>> 0) << 32n) | BigInt(t.pid >>> 0));
  },
  [BpfFunc.get_current_uid_gid]: (cpu) => {
    const t = envOf(cpu).runtime.task;
    cpu.setBig(0, (BigInt(t.gid >>> 0) << 32n) | BigInt(t.uid >>> 0));
  },
  [BpfFunc.get_current_comm]: (cpu) => {
    const t = envOf(cpu).runtime.task;
    const size = cpu.u32(2);
    const a = memOut(cpu, BpfFunc.get_current_comm, 1, size);
    const u8 = cpu.mem.u8;
    u8.fill(0, a, a + size);
    const comm = t.comm.slice(0, 15);
    for (let i = 0; i < comm.length && i < size - 1; i++) u8[a + i] = comm.charCodeAt(i) & 0xff;
    cpu.mem.markWritten(a, size);
    cpu.ret(0);
  },
  [BpfFunc.get_current_cgroup_id]: (cpu) => cpu.setBig(0, envOf(cpu).runtime.task.cgroupId),
  [BpfFunc.get_current_ancestor_cgroup_id]: (cpu) => cpu.setBig(0, cpu.u32(1) === 0 ? 1n : envOf(cpu).runtime.task.cgroupId),
  [BpfFunc.get_current_task]: (cpu) => cpu.setBig(0, 0xffff888000100000n),
  [BpfFunc.get_ns_current_pid_tgid]: (cpu) => {
    const t = envOf(cpu).runtime.task;
    const size = cpu.u32(4);
    const a = memOut(cpu, BpfFunc.get_ns_current_pid_tgid, 3, size);
    if (size !== 8) { cpu.mem.u8.fill(0, a, a + size); cpu.mem.markWritten(a, size); return cpu.ret(-Errno.EINVAL); }
    cpu.mem.dv.setUint32(a, t.pid, true);
    cpu.mem.dv.setUint32(a + 4, t.tgid, true);
    cpu.mem.markWritten(a, 8);
    cpu.ret(0);
  },
  // kprobe: the probed address, taken from the caller's pt_regs (ip); other types: 0
  [BpfFunc.get_func_ip]: (cpu) => {
    const env = envOf(cpu);
    if (env.prog.info.type !== 2 || !cpu.mem.canRead(env.ctx + 128, 8)) return cpu.ret(0);
    cpu.setBig(0, cpu.mem.dv.getBigUint64(env.ctx + 128, true));
  },
  [BpfFunc.get_attach_cookie]: (cpu) => cpu.setBig(0, envOf(cpu).runtime.attachCookie),
  [BpfFunc.spin_lock]: (cpu) => {
    const env = envOf(cpu);
    const a = cpu.addr(1);
    if (a < 0 || a + 4 > cpu.mem.size) throw cpu.helperFault('bpf_spin_lock: R1 is not a pointer to a bpf_spin_lock');
    if (cpu.mem.dv.getUint32(a, true) !== 0 || env.locks.length > 0) throw cpu.helperFault('bpf_spin_lock: lock already held (deadlock)');
    cpu.mem.dv.setUint32(a, 1, true);
    env.locks.push(a);
    cpu.ret(0);
  },
  [BpfFunc.spin_unlock]: (cpu) => {
    const env = envOf(cpu);
    const a = cpu.addr(1);
    const i = env.locks.indexOf(a);
    if (i < 0) throw cpu.helperFault('bpf_spin_unlock: lock not held');
    cpu.mem.dv.setUint32(a, 0, true);
    env.locks.splice(i, 1);
    cpu.ret(0);
  },
};
