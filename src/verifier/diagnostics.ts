// The catalogue of the verifier's diagnostics: a stable code, the kernel's message template,
// the usual fix, and a small program (llvm assembly) that triggers it. diagnostics.test.ts
// runs every trigger and checks that its code fires (and, with a kernel, that the kernel
// rejects it too).

export interface Diagnostic {
  code: string;
  /** The kernel's text, with %d/%s placeholders. */
  template: string;
  hint: string;
  /** Program type (ProgType number) of the trigger; XDP (6) when absent. */
  progType?: number;
  /** Maps the trigger uses: [name, type, keySize, valueSize, maxEntries]. */
  maps?: Array<[string, number, number, number, number]>;
  /** Assembly that triggers it (llvm syntax; `map[NAME]` for map pointers). */
  trigger: string;
  /** Not a kernel message (tsbpf only). */
  tsbpfOnly?: boolean;
  /** The kernel accepts the trigger when loaded by root (unprivileged-only rules). */
  unprivilegedOnly?: boolean;
}

export const DIAGNOSTICS: readonly Diagnostic[] = [];
