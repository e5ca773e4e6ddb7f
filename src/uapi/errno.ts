// Linux errno values (asm-generic/errno-base.h, errno.h, include/linux/errno.h) and the
// texts strerror() gives them, as bpftool prints them ("Error: ...: No such file or directory").

export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOSPC: 28, ESPIPE: 29, EROFS: 30,
  ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENODATA: 61,
  EPROTO: 71, EBADMSG: 74, EOVERFLOW: 75, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, EADDRINUSE: 98,
  ENETUNREACH: 101, EHOSTUNREACH: 113, ECANCELED: 125,
  /** kernel-internal, seen by user space from BPF syscalls */
  ENOTSUPP: 524,
} as const;
export type Errno = (typeof Errno)[keyof typeof Errno];

const TEXT: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process',
  4: 'Interrupted system call', 5: 'Input/output error', 6: 'No such device or address',
  7: 'Argument list too long', 8: 'Exec format error', 9: 'Bad file descriptor',
  11: 'Resource temporarily unavailable', 12: 'Cannot allocate memory', 13: 'Permission denied',
  14: 'Bad address', 16: 'Device or resource busy', 17: 'File exists', 18: 'Invalid cross-device link',
  19: 'No such device', 20: 'Not a directory', 21: 'Is a directory', 22: 'Invalid argument',
  23: 'Too many open files in system', 24: 'Too many open files', 28: 'No space left on device',
  29: 'Illegal seek', 30: 'Read-only file system', 34: 'Numerical result out of range',
  35: 'Resource deadlock avoided', 36: 'File name too long', 38: 'Function not implemented',
  39: 'Directory not empty', 40: 'Too many levels of symbolic links', 61: 'No data available',
  71: 'Protocol error', 74: 'Bad message', 75: 'Value too large for defined data type',
  95: 'Operation not supported', 97: 'Address family not supported by protocol',
  98: 'Address already in use', 101: 'Network is unreachable', 113: 'No route to host',
  125: 'Operation canceled', 524: 'Unknown error 524',
};

/** strerror(errno) as glibc prints it. */
export function strerror(errno: number): string {
  return TEXT[Math.abs(errno)] ?? `Unknown error ${Math.abs(errno)}`;
}

/** The symbolic name of an errno (ENOENT), or `E<n>`. */
export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  for (const [k, v] of Object.entries(Errno)) if (v === n) return k;
  return `E${n}`;
}
