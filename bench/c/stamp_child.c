/* Benchmark child. Its first statement reads CLOCK_MONOTONIC.
 *   stamp_child            appends "child T" to $STAMP_FILE and exits 0
 *   stamp_child wait       says "ready" on stdout; each SIGUSR2 handler's first
 *                          statement records the time; SIGTERM writes them to
 *                          $STAMP_FILE ("got T" lines) and exits 0 at once
 *   stamp_child zombies N  a holder forks N children that exit at once, waits
 *                          until they are zombies, records "handed T" and exits,
 *                          handing them to PID 1; then behaves as "wait" */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STAMPS 200000
static long long stamps[MAX_STAMPS];
static volatile int count;

static long long now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void on_usr2(int signo) {
  long long t = now();
  (void)signo;
  if (count < MAX_STAMPS) stamps[count++] = t;
}

static void append(const char *line) {
  const char *path = getenv("STAMP_FILE");
  if (path == NULL) return;
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0) return;
  if (write(fd, line, strlen(line)) < 0) { /* nothing to do */ }
  close(fd);
}

static void on_term(int signo) {
  (void)signo;
  const char *path = getenv("STAMP_FILE");
  if (path != NULL) {
    FILE *file = fopen(path, "a");
    if (file != NULL) {
      for (int i = 0; i < count; i++) fprintf(file, "got %lld\n", stamps[i]);
      fclose(file);
    }
  }
  _exit(0);
}

int main(int argc, char **argv) {
  long long first = now();
  if (argc < 2) {
    char line[64];
    snprintf(line, sizeof line, "child %lld\n", first);
    append(line);
    return 0;
  }
  if (strcmp(argv[1], "zombies") == 0 && argc > 2) {
    int n = atoi(argv[2]);
    pid_t holder = fork();
    if (holder == 0) {
      for (int i = 0; i < n; i++) {
        pid_t kid = fork();
        if (kid == 0) _exit(0);
        if (kid < 0) break;
      }
      usleep(300000); /* all children are zombies by now */
      char line[64];
      snprintf(line, sizeof line, "handed %lld\n", now());
      append(line);
      _exit(0);
    }
    waitpid(holder, NULL, 0);
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_usr2;
  sigaction(SIGUSR2, &action, NULL);
  action.sa_handler = on_term;
  sigaction(SIGTERM, &action, NULL);
  printf("ready\n");
  fflush(stdout);
  for (;;) pause();
}
