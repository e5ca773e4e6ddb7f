// The runtime: what the kernel is to BPF objects. It owns the one memory, the cpu state,
// the id tables of maps and programs, and the machine facts helpers ask about (number of
// CPUs, the current CPU, clocks, the random generator, the trace log).
//
// One runtime is one "kernel": maps and programs created in it can refer to each other
// (map-in-map, prog arrays, tail calls). Independent runtimes share nothing.

import { availableParallelism } from 'node:os';
import { Cpu } from '../vm/cpu.js';
import { Memory } from '../vm/memory.js';
import type { BpfMap } from '../maps/types.js';

export interface RuntimeOptions {
  /** Number of possible CPUs (per-CPU maps hold this many values). Default: this machine's. */
  ncpus?: number;
  /** Seed of bpf_get_prandom_u32 (default: fixed, so runs are reproducible). */
  seed?: number;
  /** Monotonic clock in nanoseconds (bpf_ktime_get_ns); default process.hrtime. */
  clockNs?: () => bigint;
  /** Initial size of the linear memory in bytes. */
  memoryBytes?: number;
  /** The task bpf_get_current_* report (default: pid/tgid 1, uid/gid 0, comm "tsbpf"). */
  task?: Partial<TaskInfo>;
  /** Memory bpf_probe_read_kernel / _user may read (address → bytes). */
  addressSpace?: AddressSpaceRegion[];
  /** Routes and neighbours bpf_fib_lookup consults. */
  routes?: Route[];
  /** Network devices (ifindex → properties) test runs and fib lookups know; default: lo (1). */
  devices?: NetDevice[];
}

export interface TaskInfo {
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  comm: string;
  cgroupId: bigint;
}

/** Caller-provided memory for probe_read: `user` regions are user space, others kernel. */
export interface AddressSpaceRegion {
  start: bigint;
  bytes: Uint8Array;
  user?: boolean;
}

export interface NetDevice {
  ifindex: number;
  name: string;
  mtu: number;
  mac: Uint8Array;
  rxQueues: number;
  /** Broadcast address (loopback's is all zeros, so ff:ff:ff:ff:ff:ff is multicast there). */
  broadcast?: Uint8Array;
}

/** A route: destination prefix (IPv4 dotted or IPv6 text) → output device, gateway, neighbour MAC. */
export interface Route {
  family: 'inet' | 'inet6';
  dst: string;
  prefixLen: number;
  ifindex: number;
  gateway?: string;
  /** Source MAC (default: the device's) and destination MAC of the next hop, if resolved. */
  smac?: Uint8Array;
  dmac?: Uint8Array;
  /** Route type: unicast (default), blackhole, unreachable, prohibit. */
  type?: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit';
}

/** A program registered in the runtime (the runtime module's loaded-program type implements it). */
export interface RegisteredProgram {
  readonly id: number;
  readonly name: string;
}

export class Runtime {
  readonly mem: Memory;
  readonly cpu: Cpu;
  readonly ncpus: number;
  /** CPU the current run executes on (bpf_get_smp_processor_id, per-CPU map slot). */
  currentCpu = 0;
  readonly clockNs: () => bigint;
  /** xorshift state of bpf_get_prandom_u32. */
  rngState: number;

  private readonly mapsById = new Map<number, BpfMap>();
  private readonly mapsByAddr = new Map<number, BpfMap>();
  private readonly progsById = new Map<number, RegisteredProgram>();
  private nextMapIdValue = 1;
  private nextProgIdValue = 1;

  /** Lines written by bpf_trace_printk / bpf_printk, as trace_pipe shows them. */
  readonly trace: string[] = [];
  /** What bpf_get_current_* report. */
  task: TaskInfo;
  addressSpace: AddressSpaceRegion[];
  routes: Route[];
  devices: NetDevice[];
  /** What bpf_get_attach_cookie returns (the BPF link's cookie). */
  attachCookie = 0n;
  /** Nanoseconds at creation (bpf_ktime_get_boot_ns counts from here, as uptime). */
  readonly bootNs: bigint;

  constructor(opts: RuntimeOptions = {}) {
    this.mem = new Memory(opts.memoryBytes);
    this.cpu = new Cpu(this.mem);
    this.ncpus = opts.ncpus ?? availableParallelism();
    this.clockNs = opts.clockNs ?? (() => process.hrtime.bigint());
    this.rngState = (opts.seed ?? 0x2545f491) | 0 || 1;
    this.task = { pid: 1, tgid: 1, uid: 0, gid: 0, comm: 'tsbpf', cgroupId: 1n, ...opts.task };
    this.addressSpace = opts.addressSpace ?? [];
    this.routes = opts.routes ?? [];
    this.devices = opts.devices ?? [{ ifindex: 1, name: 'lo', mtu: 65536, mac: new Uint8Array(6), rxQueues: 1, broadcast: new Uint8Array(6) }];
    this.bootNs = this.clockNs();
  }

  device(ifindex: number): NetDevice | undefined {
    return this.devices.find((d) => d.ifindex === ifindex);
  }

  /** Allocate the next map id (maps call this when created). */
  allocMapId(): number {
    return this.nextMapIdValue++;
  }

  allocProgId(): number {
    return this.nextProgIdValue++;
  }

  registerMap(m: BpfMap): void {
    this.mapsById.set(m.id, m);
    this.mapsByAddr.set(m.addr, m);
  }

  unregisterMap(m: BpfMap): void {
    this.mapsById.delete(m.id);
    this.mapsByAddr.delete(m.addr);
  }

  mapById(id: number): BpfMap | undefined {
    return this.mapsById.get(id);
  }

  /** The map whose descriptor is at `addr` (a map pointer's low half). */
  mapByAddr(addr: number): BpfMap | undefined {
    return this.mapsByAddr.get(addr);
  }

  maps(): IterableIterator<BpfMap> {
    return this.mapsById.values();
  }

  registerProgram(p: RegisteredProgram): void {
    this.progsById.set(p.id, p);
  }

  unregisterProgram(p: RegisteredProgram): void {
    this.progsById.delete(p.id);
  }

  programById(id: number): RegisteredProgram | undefined {
    return this.progsById.get(id);
  }

  programs(): IterableIterator<RegisteredProgram> {
    return this.progsById.values();
  }

  /** Next bpf_get_prandom_u32 value (xorshift32; seedable, reproducible). */
  prandom(): number {
    let x = this.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rngState = x;
    return x >>> 0;
  }
}
