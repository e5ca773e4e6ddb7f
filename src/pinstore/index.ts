// The pin store: durable, lock-protected files standing in for bpffs (see store.ts).
export * from './errors.js';
export * from './format.js';
export { acquireLock, withLocks, type HeldLock, type LockOptions } from './lock.js';
export { atomicWriteFile, sleepSync } from './fsutil.js';
export { PinStore, defaultStateDir, newUuid, type ListedObject, type ObjectKind } from './store.js';
