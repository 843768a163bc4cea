// Runs several commands in turn, round after round, and prints for each the mean CPU time (user +
// sys of the command and of everything it waited for, from wait4), the median wall time, the
// failures and the median CPU time (a few slow rounds move the mean by a millisecond, not it).
// Odd rounds take the variants in reverse order, so that no variant always follows the same one
// (a variant right after a heavy one measured ~1 ms slower). --raw FILE writes every run as
// "round name cpu-ms wall-ms", for differences paired within a round. Taking
// the variants in turn spreads the load of a shared machine over all of them alike, which
// hyperfine's one-command-after-another does not.
//   cputime ROUNDS [--raw FILE] [--purge DIR] NAME -- CMD... ;; [--purge DIR] NAME -- CMD... ;; ...
// --purge DIR: the files in DIR are removed before each run of that command (not timed).
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_VARIANTS 16

struct variant {
  const char *name, *purge;
  char **argv;
  double cpu_ms, *wall_ms, *cpu_each_ms;
  int failures;
};

static void purge(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlinkat(dirfd(d), e->d_name, 0);
  closedir(d);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: cputime ROUNDS [--raw FILE] [--purge DIR] NAME -- CMD... ;; ...\n");
    return 2;
  }
  int rounds = atoi(argv[1]), n = 0, first = 2;
  FILE *raw = NULL;
  if (!strcmp(argv[first], "--raw")) {
    if (!(raw = fopen(argv[first + 1], "w"))) return perror("cputime: --raw"), 1;
    first += 2;
  }
  struct variant v[MAX_VARIANTS] = {0};
  for (int i = first; i < argc && n < MAX_VARIANTS; n++) {
    if (!strcmp(argv[i], "--purge")) v[n].purge = argv[i + 1], i += 2;
    v[n].name = argv[i++];
    if (i >= argc || strcmp(argv[i++], "--")) return fprintf(stderr, "cputime: %s: expected --\n", v[n].name), 2;
    v[n].argv = &argv[i];
    while (i < argc && strcmp(argv[i], ";;")) i++;
    if (i < argc) argv[i++] = NULL;
    v[n].wall_ms = calloc(rounds, sizeof(double));
    v[n].cpu_each_ms = calloc(rounds, sizeof(double));
  }
  int devnull = open("/dev/null", O_RDWR);
  for (int r = 0; r < rounds; r++)
    for (int j = 0; j < n; j++) {
      int k = r % 2 ? n - 1 - j : j;
      if (v[k].purge) purge(v[k].purge);
      struct timespec t0, t1;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      pid_t pid = fork();
      if (pid == 0) {
        dup2(devnull, 0), dup2(devnull, 1), dup2(devnull, 2);
        execvp(v[k].argv[0], v[k].argv);
        _exit(127);
      }
      int status;
      struct rusage ru;
      if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return perror("cputime"), 1;
      clock_gettime(CLOCK_MONOTONIC, &t1);
      if (!WIFEXITED(status) || WEXITSTATUS(status)) v[k].failures++;
      double cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
      v[k].cpu_ms += cpu;
      v[k].cpu_each_ms[r] = cpu;
      v[k].wall_ms[r] = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
      if (raw) fprintf(raw, "%d\t%s\t%.3f\t%.3f\n", r, v[k].name, cpu, v[k].wall_ms[r]);
    }
  if (raw && fclose(raw) != 0) return perror("cputime: --raw"), 1;
  for (int k = 0; k < n; k++) {
    qsort(v[k].wall_ms, rounds, sizeof(double), cmp);
    qsort(v[k].cpu_each_ms, rounds, sizeof(double), cmp);
    printf("%s\t%.2f\t%.2f\t%d\t%.2f\n", v[k].name, v[k].cpu_ms / rounds, v[k].wall_ms[rounds / 2], v[k].failures,
           v[k].cpu_each_ms[rounds / 2]);
  }
  return 0;
}
