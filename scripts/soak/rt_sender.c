/* Soak sender: sends COUNT SIGRTMIN+OFFSET (OFFSET 1 unless given) to PID as
 * fast as the kernel takes them (retrying while the real-time queue is full)
 * and prints "sent COUNT". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  pid_t pid = (pid_t)atoi(argv[1]);
  long count = atol(argv[2]);
  int offset = argc > 3 ? atoi(argv[3]) : 1;
  union sigval value = {0};
  for (long i = 0; i < count; i++) {
    while (sigqueue(pid, SIGRTMIN + offset, value) != 0) {
      if (errno != EAGAIN) { perror("sigqueue"); return 1; }
      usleep(100);
    }
  }
  printf("sent %ld\n", count);
  return 0;
}
