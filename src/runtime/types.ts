// Contracts of the runtime's user API: a loaded Collection of live maps and programs, and
// the test-run (BPF_PROG_TEST_RUN) of one program.

import type { BpfMap } from '../maps/types.js';
import type { ObjectSpec, ProgramSpec } from '../loader/types.js';
import type { Runtime } from './runtime.js';

export interface TestRunOptions {
  /** Packet bytes (data_in). */
  data?: Uint8Array;
  /** Context bytes (ctx_in): xdp_md / __sk_buff fields, or the whole ctx for tracing types. */
  ctx?: Uint8Array;
  /** Runs (the kernel's repeat; 0 means 1). Maps keep state between repeats. */
  repeat?: number;
  /** Size of the data_out buffer (the kernel's data_size_out); default: unlimited. */
  dataSizeOut?: number;
  /** BPF_F_TEST_RUN_ON_CPU etc. */
  flags?: number;
  cpu?: number;
  /** Run without the verifier's proof: every memory access checked (default: as loaded). */
  checked?: boolean;
  /** Ingress ifindex and rx queue for XDP; the ifindex for skb programs. */
  ifindex?: number;
  rxQueue?: number;
  /**
   * Socket filters: 'packet' (default) runs on the frame as a packet socket sees it, from the
   * link-layer header; 'kernel' is BPF_PROG_TEST_RUN's view, from the network header.
   */
  view?: 'packet' | 'kernel';
}

export interface TestRunResult {
  /** r0 of the last run (u32 for most types, as the kernel reports it). */
  retval: number;
  /** The packet after the run (data_out), e.g. with XDP head adjustments applied. */
  data: Uint8Array;
  /** Context after the run (ctx_out), for types that report one. */
  ctx?: Uint8Array;
  /** Average duration per run in nanoseconds (as the kernel reports it). */
  durationNs: number;
  /** Redirect target recorded by bpf_redirect / bpf_redirect_map, if any. */
  redirect?: { ifindex?: number; map?: number; key?: number; flags: number };
}

export interface LoadedProgram {
  readonly id: number;
  readonly name: string;
  readonly spec: ProgramSpec;
  /** Instructions as loaded (after relocation and ctx rewrite): what `prog dump xlated` prints. */
  readonly xlated: readonly import('../isa/insn.js').Insn[];
  /** The kernel's program tag (sha1 of the instructions with map fds zeroed), 16 hex digits. */
  readonly tag: string;
  /** Ids of maps the program uses (bpftool's map_ids). */
  readonly mapIds: readonly number[];
  /** Verifier log of the load (empty until the verifier exists or when not requested). */
  readonly log: string;
  run(opts?: TestRunOptions): TestRunResult;
}

export interface LoadOptions {
  runtime?: Runtime;
  /** Verifier log level (0, 1, 2). */
  logLevel?: number;
  /**
   * Skip the verifier (loadCollection runs src/verifier by default, as BPF_PROG_LOAD does);
   * unverified programs run in checked mode.
   */
  unverified?: boolean;
  /** Use existing maps instead of creating them (pinned maps, `map name X` reuse). */
  replaceMaps?: Record<string, BpfMap>;
  /**
   * The verifier hook (src/runtime/program.ts VerifyHook): called per program with its
   * instructions (map references resolved to ids) and maps; a refusal fails the load with its
   * log. Programs it accepts run unchecked. loadCollection defaults to kernelVerifier;
   * loadProgram (the low-level call) verifies only when given a hook.
   */
  verify?: import('./program.js').VerifyHook;
}

export interface Collection {
  readonly runtime: Runtime;
  readonly spec: ObjectSpec;
  readonly programs: Record<string, LoadedProgram>;
  readonly maps: Record<string, BpfMap>;
  close(): void;
}
