// The error a verification stops with: a stable diagnostic code (see diagnostics.ts), the
// kernel's message (possibly several lines) and the instruction it concerns.

export class VerifierReject extends Error {
  constructor(readonly code: string, message: string, readonly pc: number, readonly errno = 13) {
    super(message);
    this.name = 'VerifierReject';
  }
}
