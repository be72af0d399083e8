/**
 * Linux and glibc constants that denit passes to libc. They are the same on
 * x86_64 and aarch64 glibc; keep every magic number here so the FFI facade
 * reads as prose.
 *
 * @module
 */

/** Bytes in a kernel-sized `sigset_t` as glibc declares it (1024 bits). */
export const SIGSET_BYTES = 128;
/** `sizeof(posix_spawnattr_t)` is 336 on glibc 2.36; we allocate room to spare. */
export const SPAWNATTR_BYTES = 512;
/** `sizeof(posix_spawn_file_actions_t)` is 80 on glibc 2.36; room to spare. */
export const FILE_ACTIONS_BYTES = 256;
/** `sizeof(struct signalfd_siginfo)`. */
export const SIGNALFD_SIGINFO_BYTES = 128;

export const POSIX_SPAWN_SETPGROUP = 0x02;
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
export const POSIX_SPAWN_SETSID = 0x80;

export const SIG_BLOCK = 0;
export const SIG_UNBLOCK = 1;
export const SIG_SETMASK = 2;

export const SFD_CLOEXEC = 0o2000000;
export const SFD_NONBLOCK = 0o4000;
export const POLLIN = 0x1;
/** `sizeof(struct pollfd)`: int fd, short events, short revents. */
export const POLLFD_BYTES = 8;
export const O_RDWR = 0o2;
export const O_CLOEXEC = 0o2000000;

export const WNOHANG = 1;

export const PR_SET_PDEATHSIG = 1;
export const PR_SET_CHILD_SUBREAPER = 36;

export const TIOCGPGRP = 0x540f;
export const TIOCNOTTY = 0x5422;

/** SIGCONT: wakes a child the terminal stopped before it was handed over (src/ffi/spawn.ts). */
export const SIGCONT = 18;

/** errno values that denit treats specially. */
export const ENOENT = 2;
export const ESRCH = 3;
export const EINTR = 4;
export const EBADF = 9;
export const ECHILD = 10;
export const EAGAIN = 11;
export const EACCES = 13;
