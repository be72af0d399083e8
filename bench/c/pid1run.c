/* Benchmark driver: runs a command as PID 1 of a new PID namespace, as its
 * direct parent, and times what the harness cannot time without adding its
 * own overhead. All times are CLOCK_MONOTONIC nanoseconds, printed on stdout.
 *
 *   pid1run start   CMD...   prints "launch T" (just before exec), waits
 *   pid1run wall    CMD...   prints "wall NS" (fork → reaped), for CMD = init -- /bin/true
 *   pid1run term    CMD...   waits for "ready" from CMD, prints "term NS" (kill → reaped);
 *                            with TERM_DELAY_MS set, sends SIGTERM that long after "ready"
 *   pid1run signals N GAP_US CMD...  waits for "ready", sends N SIGUSR2 to the init
 *                                  GAP_US apart, printing "sent T" each, then SIGTERM
 *   pid1run hold    CMD...   waits for "ready", prints "pid P" (host pid of the init),
 *                            then waits for a line on stdin and SIGKILLs the namespace
 * The child's stdout must carry "ready" (a line) when it is ready; pid1run copies
 * nothing else. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static pid_t start(char **argv, int *ready_fd) {
  int out[2];
  if (pipe(out) != 0) exit(3);
  if (unshare(CLONE_NEWPID) != 0) { perror("unshare"); exit(3); }
  long long launch = now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(out[1]);
  *ready_fd = out[0];
  printf("launch %lld\n", launch);
  return pid;
}

static void wait_ready(int fd) {
  char line[256];
  size_t used = 0;
  for (;;) {
    ssize_t n = read(fd, line + used, 1);
    if (n <= 0) { fprintf(stderr, "pid1run: child ended before ready\n"); exit(4); }
    if (line[used] == '\n') {
      line[used] = '\0';
      if (strncmp(line, "ready", 5) == 0) return;
      used = 0;
    } else if (used < sizeof line - 1) {
      used++;
    }
  }
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *mode = argv[1];
  int fd;
  if (strcmp(mode, "start") == 0 || strcmp(mode, "wall") == 0) {
    long long t0 = now();
    pid_t pid = start(argv + 2, &fd);
    int status;
    waitpid(pid, &status, 0);
    if (strcmp(mode, "wall") == 0) printf("wall %lld\n", now() - t0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  if (strcmp(mode, "term") == 0 || strcmp(mode, "hold") == 0) {
    pid_t pid = start(argv + 2, &fd);
    wait_ready(fd);
    int status;
    if (strcmp(mode, "hold") == 0) {
      printf("pid %d\n", (int)pid);
      char buffer[16];
      if (read(0, buffer, sizeof buffer) < 0) return 3;
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return 0;
    }
    /* TERM_DELAY_MS: let the init sit idle first, as a real stop request finds it. */
    const char *delay = getenv("TERM_DELAY_MS");
    if (delay != NULL) usleep((useconds_t)atoi(delay) * 1000);
    long long t0 = now();
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    printf("term %lld\n", now() - t0);
    return 0;
  }
  if (strcmp(mode, "signals") == 0 && argc > 5) {
    int count = atoi(argv[2]);
    int gap = atoi(argv[3]);
    pid_t pid = start(argv + 4, &fd);
    wait_ready(fd);
    usleep(100000);
    for (int i = 0; i < count; i++) {
      printf("sent %lld\n", now());
      kill(pid, SIGUSR2);
      usleep(gap);
    }
    usleep(100000);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    return 0;
  }
  return 2;
}
