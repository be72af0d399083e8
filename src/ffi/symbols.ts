/**
 * The C side of the FFI layer: each libc function denit calls, the C prototype
 * of every parameter beside its Deno type.
 *
 * @module
 */

/**
 * The symbol table src/ffi/libc.ts (the only module that calls `Deno.dlopen`)
 * binds. Deno compiles a fast-call trampoline for each function symbol it binds
 * (0.8–1.0 ms for a process's first, 0.2–0.3 ms each after, more for a
 * `"buffer"` parameter), so libc.ts binds each symbol on its first call, by its
 * address, and gives only `read`, `kill` and `waitpid` fast calls: while denit is
 * idle, or once one of them has been called 64 times. Memory is passed as
 * `"pointer"` (`Deno.UnsafePointer.of`), with the typed array kept referenced
 * until the call returns.
 */
export const SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" /* int * */ },
  strerror: { parameters: ["i32" /* int errnum */], result: "pointer" /* char * */ },
  _exit: { parameters: ["i32" /* int status */], result: "void" },
  sigprocmask: {
    parameters: [
      "i32", // int how
      "pointer", // const sigset_t *restrict set
      "pointer", // sigset_t *restrict oldset (may be NULL)
    ],
    result: "i32",
  },
  sigpending: { parameters: ["pointer" /* sigset_t *set */], result: "i32" },
  execve: {
    parameters: [
      "pointer", // const char *pathname
      "pointer", // char *const argv[]
      "pointer", // char *const envp[]
    ],
    result: "i32",
  },
  posix_spawnp: {
    parameters: [
      "pointer", // pid_t *restrict pid
      "pointer", // const char *restrict file
      "pointer", // const posix_spawn_file_actions_t *file_actions (may be NULL)
      "pointer", // const posix_spawnattr_t *restrict attrp
      "pointer", // char *const argv[restrict]
      "pointer", // char *const envp[restrict]
    ],
    result: "i32", // int: 0 or an errno value
  },
  posix_spawnattr_init: { parameters: ["pointer" /* posix_spawnattr_t *attr */], result: "i32" },
  posix_spawnattr_destroy: {
    parameters: ["pointer" /* posix_spawnattr_t *attr */],
    result: "i32",
  },
  posix_spawnattr_setflags: {
    parameters: ["pointer", /* posix_spawnattr_t *attr */ "i16" /* short flags */],
    result: "i32",
  },
  posix_spawnattr_setsigmask: {
    parameters: ["pointer", /* posix_spawnattr_t *attr */ "pointer" /* const sigset_t *sigmask */],
    result: "i32",
  },
  posix_spawnattr_setsigdefault: {
    parameters: [
      "pointer", // posix_spawnattr_t *attr
      "pointer", // const sigset_t *sigdefault
    ],
    result: "i32",
  },
  posix_spawnattr_setpgroup: {
    parameters: ["pointer", /* posix_spawnattr_t *attr */ "i32" /* pid_t pgroup */],
    result: "i32",
  },
  posix_spawn_file_actions_init: {
    parameters: ["pointer" /* posix_spawn_file_actions_t *file_actions */],
    result: "i32",
  },
  posix_spawn_file_actions_destroy: {
    parameters: ["pointer" /* posix_spawn_file_actions_t *file_actions */],
    result: "i32",
  },
  posix_spawn_file_actions_addopen: {
    parameters: [
      "pointer", // posix_spawn_file_actions_t *file_actions
      "i32", // int fildes
      "pointer", // const char *restrict path
      "i32", // int oflag
      "u32", // mode_t mode
    ],
    result: "i32",
  },
  posix_spawn_file_actions_adddup2: {
    parameters: [
      "pointer", // posix_spawn_file_actions_t *file_actions
      "i32", // int fildes
      "i32", // int newfildes
    ],
    result: "i32",
  },
  pipe2: { parameters: ["pointer", /* int pipefd[2] */ "i32" /* int flags */], result: "i32" },
  posix_spawn_file_actions_addchdir_np: {
    parameters: ["pointer", /* posix_spawn_file_actions_t *fa */ "pointer" /* const char *path */],
    result: "i32",
    optional: true, // glibc >= 2.29
  },
  posix_spawn_file_actions_addtcsetpgrp_np: {
    parameters: ["pointer", /* posix_spawn_file_actions_t *fa */ "i32" /* int tcfd */],
    result: "i32",
    optional: true, // glibc >= 2.35
  },
  tcsetpgrp: {
    // Before glibc 2.35 the terminal goes to the child's group from denit, after the spawn.
    parameters: ["i32", /* int fd */ "i32" /* pid_t pgrp */],
    result: "i32",
  },
  waitpid: {
    parameters: ["i32", /* pid_t pid */ "pointer", /* int *wstatus */ "i32" /* int options */],
    result: "i32", // pid_t
  },
  kill: { parameters: ["i32", /* pid_t pid */ "i32" /* int sig */], result: "i32" },
  signalfd: {
    parameters: ["i32", /* int fd */ "pointer", /* const sigset_t *mask */ "i32" /* int flags */],
    result: "i32",
  },
  poll: {
    parameters: [
      "pointer",
      /* struct pollfd *fds */ "u64",
      /* nfds_t nfds */ "i32", /* int timeout */
    ],
    result: "i32",
    nonblocking: true, // one pending wait on the blocking pool; the event loop stays free
  },
  read: {
    parameters: ["i32", /* int fd */ "pointer", /* void *buf */ "usize" /* size_t count */],
    result: "isize", // ssize_t; called on the main thread, on a non-blocking fd, errno readable
  },
  readOnPool: {
    // The same read(2), for a blocking pipe (a service's output, its notify fd): it waits on
    // the blocking pool, so the event loop, signals and reaping go on meanwhile.
    name: "read",
    parameters: ["i32", /* int fd */ "pointer", /* void *buf */ "usize" /* size_t count */],
    result: "isize",
    nonblocking: true,
  },
  close: { parameters: ["i32" /* int fd */], result: "i32" },
  prctl: {
    // int prctl(int option, ...): declared with the four unsigned long arguments the kernel reads
    parameters: ["i32", "u64", "u64", "u64", "u64"],
    result: "i32",
  },
  ioctl: {
    // int ioctl(int fd, unsigned long request, ...): one pointer argument
    parameters: ["i32", "u64", "pointer"],
    result: "i32",
  },
  getsid: { parameters: ["i32" /* pid_t pid */], result: "i32" /* pid_t */ },
  signal: {
    parameters: ["i32", /* int signum */ "pointer" /* sighandler_t handler */],
    result: "pointer", // sighandler_t: the previous handler
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The bound functions, as `Deno.dlopen` types them. */
export type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
