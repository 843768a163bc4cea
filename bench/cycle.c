// One create -> start -> wait for exit -> delete cycle of a container, as an engine drives it:
//   cycle RUNTIME ROOT BUNDLE ID_PREFIX PID_DIR
// The runtime's own calls run as child processes; the container's process is not our child, so
// its exit is waited for with a pidfd (poll() on a pidfd reports readiness when the process exits),
// not by polling `state`, which would add the cost of extra runtime calls to the measurement.
// Exits 0 when every step succeeded; otherwise says which step failed on stderr.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

// Long enough for any sane /bin/true; a hang means the runtime never released the process.
#define EXIT_TIMEOUT_MS 10000

static int run_step(const char *step, char *const argv[]) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  // The container inherits the runtime's stdio: keep it off any pipe the caller might wait on.
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) {
    fprintf(stderr, "cycle: %s: spawn %s: %s\n", step, argv[0], strerror(err));
    return -1;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      fprintf(stderr, "cycle: %s: waitpid: %s\n", step, strerror(errno));
      return -1;
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "cycle: %s failed (status 0x%x)\n", step, status);
    return -1;
  }
  return 0;
}

static long read_pid_file(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long pid = -1;
  if (fscanf(f, "%ld", &pid) != 1) pid = -1;
  fclose(f);
  return pid;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: cycle RUNTIME ROOT BUNDLE ID_PREFIX PID_DIR\n");
    return 2;
  }
  char *runtime = argv[1], *root = argv[2], *bundle = argv[3];
  char id[256], pid_file[512];
  snprintf(id, sizeof id, "%s%ld", argv[4], (long)getpid());
  snprintf(pid_file, sizeof pid_file, "%s/%s.pid", argv[5], id);

  char *create[] = {runtime, "--root", root, "create", "--bundle", bundle, "--pid-file", pid_file, id, NULL};
  char *start[] = {runtime, "--root", root, "start", id, NULL};
  char *del[] = {runtime, "--root", root, "delete", id, NULL};
  char *del_force[] = {runtime, "--root", root, "delete", "--force", id, NULL};

  if (run_step("create", create) != 0) return 1;
  int rc = 1;
  long pid = read_pid_file(pid_file);
  unlink(pid_file);
  if (pid <= 0) {
    fprintf(stderr, "cycle: create wrote no pid to %s\n", pid_file);
    goto force;
  }
  int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
  if (pidfd < 0) {
    fprintf(stderr, "cycle: pidfd_open %ld: %s\n", pid, strerror(errno));
    goto force;
  }
  if (run_step("start", start) != 0) {
    close(pidfd);
    goto force;
  }
  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  int n;
  while ((n = poll(&p, 1, EXIT_TIMEOUT_MS)) < 0 && errno == EINTR) {
  }
  close(pidfd);
  if (n != 1) {
    fprintf(stderr, "cycle: container process %ld did not exit within %d ms\n", pid, EXIT_TIMEOUT_MS);
    goto force;
  }
  if (run_step("delete", del) == 0) return 0;
force:
  // Leave nothing behind for the next iteration, but still report the failure.
  run_step("delete --force", del_force);
  return rc;
}
