/* Soak child: counts SIGRTMIN+1 deliveries (sigwaitinfo, nothing lost in a
 * handler), makes ORPHANS orphans in a helper process (double fork; each
 * grandchild exits at once and is handed to PID 1), says "ready" and
 * "orphans done"; on SIGRTMIN+2 prints "received N" and exits 42. The end
 * marker is a real-time signal of a higher number so that the kernel hands it
 * over only after every SIGRTMIN+1 queued before it (SIGTERM would jump the
 * queue: lower numbers go first). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long orphans = argc > 1 ? atol(argv[1]) : 0;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 1);
  sigaddset(&set, SIGRTMIN + 2);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  setvbuf(stdout, NULL, _IOLBF, 0);
  pid_t maker = fork();
  if (maker == 0) {
    /* The maker is in the child's process group, which denit signals: it must
     * discard the flood, not queue it (a blocked, never-read real-time queue
     * would fill the uid's RLIMIT_SIGPENDING, and the kernel then merges what
     * kill() sends to the other members of the group). */
    signal(SIGRTMIN + 1, SIG_IGN);
    signal(SIGRTMIN + 2, SIG_IGN);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    for (long i = 0; i < orphans; i++) {
      pid_t middle = fork();
      if (middle == 0) {
        if (fork() == 0) _exit(0);
        _exit(0);
      }
      if (middle > 0) waitpid(middle, NULL, 0);
      else usleep(1000); /* EAGAIN: let the reaper catch up */
    }
    _exit(0);
  }
  printf("ready\n");
  long received = 0;
  for (;;) {
    siginfo_t info;
    int signo = sigwaitinfo(&set, &info);
    if (signo == SIGRTMIN + 1) {
      received++;
    } else if (signo == SIGCHLD) {
      if (maker > 0 && waitpid(maker, NULL, WNOHANG) == maker) {
        printf("orphans done\n");
        maker = 0;
      }
    } else if (signo == SIGRTMIN + 2) {
      printf("received %ld\n", received);
      return 42;
    }
  }
}
