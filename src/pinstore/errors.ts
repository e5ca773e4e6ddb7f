// Typed errors of the pin store: every corrupted, foreign or unreadable file is reported
// with its path, never trusted.

import { BpfError } from '../errors.js';

export type PinErrorCode =
  | 'PIN_FOREIGN' // not a tsbpf pin file (wrong magic)
  | 'PIN_CORRUPT' // checksum, length or JSON does not match
  | 'PIN_KIND' // a map where a program was expected, or the reverse
  | 'PIN_VERSION' // written by a newer format
  | 'PIN_LOCK' // lock could not be taken
  | 'PIN_IO'; // the file system refused

export class PinStoreError extends BpfError {
  constructor(code: PinErrorCode, readonly path: string, detail: string, errno?: number) {
    super(code, `${path}: ${detail}`, errno);
  }
}
