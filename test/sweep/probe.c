/* Sweep probe: reads one library path per line on stdin; for each, forks a child that
 * dlopen()s it (RTLD_NOW | RTLD_LOCAL) and answers on stdout with one line:
 *   ok
 *   fail\t<dlerror text>
 *   signal\t<number>          (the child died of a signal while loading)
 *   timeout\t<seconds>        (the child was still loading after the deadline; killed)
 *   exit\t<status>            (a constructor called exit())
 * The child runs in its own process group with stdin/stdout/stderr on /dev/null, so
 * constructors can neither read the protocol stream nor write into it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child(const char *path, int out) {
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
  }
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  char buf[4096];
  int n;
  if (h != NULL) {
    n = snprintf(buf, sizeof buf, "ok\n");
  } else {
    const char *e = dlerror();
    n = snprintf(buf, sizeof buf, "fail\t%s", e ? e : "(no dlerror)");
    if (n >= (int)sizeof buf - 1) n = sizeof buf - 2;
    for (int i = 5; i < n; i++) /* keep the separator after "fail" */
      if (buf[i] == '\n' || buf[i] == '\t') buf[i] = ' ';
    buf[n++] = '\n';
  }
  ssize_t off = 0;
  while (off < n) {
    ssize_t w = write(out, buf + off, n - off);
    if (w <= 0) break;
    off += w;
  }
  _exit(0); /* no destructors: the answer is already written */
}

int main(int argc, char **argv) {
  double limit = argc > 1 ? atof(argv[1]) : 5.0;
  char line[8192];
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  while (fgets(line, sizeof line, stdin) != NULL) {
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
    if (len == 0) continue;
    int fds[2];
    if (pipe(fds) != 0) { printf("fail\tprobe: pipe: %s\n", strerror(errno)); continue; }
    pid_t pid = fork();
    if (pid < 0) { printf("fail\tprobe: fork: %s\n", strerror(errno)); close(fds[0]); close(fds[1]); continue; }
    if (pid == 0) {
      setpgid(0, 0);
      close(fds[0]);
      child(line, fds[1]);
    }
    setpgid(pid, pid);
    close(fds[1]);
    char ans[4200];
    size_t got = 0;
    int status = 0, timedout = 0;
    double deadline = now() + limit;
    for (;;) {
      double left = deadline - now();
      if (left <= 0) { timedout = 1; break; }
      struct pollfd p = { fds[0], POLLIN, 0 };
      int r = poll(&p, 1, left > 0.1 ? 100 : (int)(left * 1000) + 1);
      if (r > 0) {
        ssize_t k = read(fds[0], ans + got, sizeof ans - 1 - got);
        if (k > 0) { got += k; if (got >= sizeof ans - 1) break; continue; }
        if (k == 0) break; /* EOF: the child (and anything it forked) closed the pipe */
      }
      /* A grandchild may hold the pipe open after the child exits: stop at the child's exit
       * (WNOWAIT keeps the zombie, so its process group id stays ours until we reap it). */
      siginfo_t info;
      memset(&info, 0, sizeof info);
      if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
        int fl = fcntl(fds[0], F_GETFL);
        fcntl(fds[0], F_SETFL, fl | O_NONBLOCK);
        ssize_t k;
        while (got < sizeof ans - 1 && (k = read(fds[0], ans + got, sizeof ans - 1 - got)) > 0) got += k;
        break;
      }
    }
    close(fds[0]);
    /* The child is alive or a zombie here, so -pid is still our group: end it and whatever a
     * constructor forked into it, then reap. */
    kill(-pid, SIGKILL);
    waitpid(pid, &status, 0);
    ans[got] = 0;
    if (timedout && got == 0) printf("timeout\t%g\n", limit);
    else if (got > 0 && ans[got - 1] == '\n') fputs(ans, stdout);
    else if (WIFSIGNALED(status)) printf("signal\t%d\n", WTERMSIG(status));
    else if (WIFEXITED(status)) printf("exit\t%d\n", WEXITSTATUS(status));
    else printf("fail\tprobe: no answer\n");
  }
  return 0;
}
