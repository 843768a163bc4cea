// tdrun-probe: runs inside test containers and prints, as one JSON object on stdout, what the
// process sees of itself. Static and dependency-free so it works in any rootfs (busybox or empty).
// Verbs (argv[1]): none or "probe" (everything), stat PATH..., read FILE, write FILE DATA,
// ls DIR, sleep SECONDS, exit N, kill-self SIG, env, open FILE (O_RDWR), clocks (monotonic and
// boottime seconds, for time namespace offsets), net (interfaces with their flags, and whether
// a UDP datagram to 127.0.0.1 comes back), try OP... (makes syscalls and reports each one's
// return value and errno, for seccomp filters: getpid, mkdir=PATH, clone3, sys=NR[,ARG...] with
// numeric arguments; a SIGSYS from SCMP_ACT_TRAP is caught and reported as "trapped"),
// grab-exe REPORT STOPFILE [PID] (the CVE-2019-5736 attacker: holds an O_PATH fd on every other
// process's /proc/PID/exe, or on PID's only, and once that process is gone reopens it for
// writing; one JSON line per grabbed process in REPORT).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <termios.h>
#include <ctime>
#include <unistd.h>
#include <algorithm>
#include <vector>

extern char **environ;

namespace {

std::string quote(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        // Bytes >= 0x80 are escaped one by one so the output stays valid JSON whatever the
        // encoding of what we read (tests compare ASCII paths and values).
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string errObj(int err) {
  return std::string("{\"errno\":") + std::to_string(err) + ",\"error\":" + quote(strerror(err)) + "}";
}

bool readFile(const char *path, std::string &out, int &err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

std::string readLink(const std::string &path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

std::vector<std::string> lines(const std::string &s) {
  std::vector<std::string> out;
  for (auto &l : split(s, '\n'))
    if (!l.empty()) out.push_back(l);
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeOctal(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const char *d = s.c_str() + i + 1;
      if (d[0] >= '0' && d[0] <= '7' && d[1] >= '0' && d[1] <= '7' && d[2] >= '0' && d[2] <= '7') {
        out += static_cast<char>((d[0] - '0') * 64 + (d[1] - '0') * 8 + (d[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string strArray(const std::vector<std::string> &v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); i++) {
    if (i) out += ",";
    out += quote(v[i]);
  }
  return out + "]";
}

std::string statusField(const std::string &status, const char *name) {
  std::string key = std::string(name) + ":";
  for (auto &l : lines(status)) {
    if (l.compare(0, key.size(), key) == 0) {
      std::string v = l.substr(key.size());
      size_t a = v.find_first_not_of(" \t");
      return a == std::string::npos ? "" : v.substr(a);
    }
  }
  return "";
}

std::string mountsJson() {
  std::string info;
  int err = 0;
  if (!readFile("/proc/self/mountinfo", info, err)) return errObj(err);
  std::string out = "[";
  bool first = true;
  for (auto &l : lines(info)) {
    // id parent major:minor root mountpoint options [optional fields...] - fstype source superopts
    auto f = split(l, ' ');
    size_t dash = 0;
    for (size_t i = 6; i < f.size(); i++)
      if (f[i] == "-") {
        dash = i;
        break;
      }
    if (dash == 0 || dash + 3 > f.size()) continue;
    std::vector<std::string> prop(f.begin() + 6, f.begin() + static_cast<long>(dash));
    if (!first) out += ",";
    first = false;
    out += "{\"id\":" + f[0] + ",\"parent\":" + f[1] + ",\"dev\":" + quote(f[2]) +
           ",\"root\":" + quote(unescapeOctal(f[3])) + ",\"mountpoint\":" + quote(unescapeOctal(f[4])) +
           ",\"options\":" + strArray(split(f[5], ',')) + ",\"propagation\":" + strArray(prop) +
           ",\"fstype\":" + quote(f[dash + 1]) + ",\"source\":" + quote(unescapeOctal(f[dash + 2])) +
           ",\"superOptions\":" + strArray(dash + 3 < f.size() ? split(f[dash + 3], ',') : std::vector<std::string>{}) +
           "}";
  }
  return out + "]";
}

std::string rlimitsJson() {
  static const struct {
    const char *name;
    int res;
  } table[] = {
      {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_FSIZE", RLIMIT_FSIZE},
      {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_STACK", RLIMIT_STACK},
      {"RLIMIT_CORE", RLIMIT_CORE},       {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_AS", RLIMIT_AS},
      {"RLIMIT_LOCKS", RLIMIT_LOCKS},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
      {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
  };
  auto val = [](rlim_t v) { return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v); };
  std::string out = "{";
  bool first = true;
  for (auto &e : table) {
    struct rlimit rl;
    if (getrlimit(e.res, &rl) != 0) continue;
    if (!first) out += ",";
    first = false;
    out += quote(e.name) + ":{\"soft\":" + quote(val(rl.rlim_cur)) + ",\"hard\":" + quote(val(rl.rlim_max)) + "}";
  }
  return out + "}";
}

std::string namespacesJson() {
  static const char *names[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
                                "time", "time_for_children", "user", "uts"};
  std::string out = "{";
  bool first = true;
  for (auto n : names) {
    std::string target = readLink(std::string("/proc/self/ns/") + n);
    if (target.empty()) continue;
    if (!first) out += ",";
    first = false;
    out += quote(n) + ":" + quote(target);
  }
  return out + "}";
}

std::string fdsJson() {
  // Open the directory first so its own fd can be left out of the listing.
  int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return errObj(errno);
  DIR *d = fdopendir(dfd);
  if (!d) {
    int e = errno;
    close(dfd);
    return errObj(e);
  }
  std::vector<int> fds;
  while (struct dirent *ent = readdir(d)) {
    if (ent->d_name[0] == '.') continue;
    int fd = atoi(ent->d_name);
    if (fd != dfd) fds.push_back(fd);
  }
  closedir(d);
  std::sort(fds.begin(), fds.end());
  std::string out = "[";
  for (size_t i = 0; i < fds.size(); i++) {
    if (i) out += ",";
    out += "{\"fd\":" + std::to_string(fds[i]) + ",\"target\":" +
           quote(readLink("/proc/self/fd/" + std::to_string(fds[i]))) + "}";
  }
  return out + "]";
}

std::string envJson() {
  std::vector<std::string> env;
  for (char **e = environ; e && *e; e++) env.push_back(*e);
  return strArray(env);
}

std::string fileOrNull(const char *path) {
  std::string s;
  int err = 0;
  if (!readFile(path, s, err)) return "null";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return quote(s);
}

std::string idListJson(const std::vector<int> &ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); i++) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

// sched_getattr(2): policy, flags, nice, priority and the SCHED_DEADLINE times
std::string schedulerJson() {
  struct {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t utilMin, utilMax;
  } a = {};
  if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0) return errObj(errno);
  return "{\"policy\":" + std::to_string(a.policy) + ",\"flags\":" + std::to_string(a.flags) + ",\"nice\":" + std::to_string(a.nice) +
         ",\"priority\":" + std::to_string(a.priority) + ",\"runtime\":" + std::to_string(a.runtime) +
         ",\"deadline\":" + std::to_string(a.deadline) + ",\"period\":" + std::to_string(a.period) + "}";
}

std::string cpusJson() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return errObj(errno);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return idListJson(cpus);
}

// get_mempolicy(2) of the process: the mode with its MPOL_F_* flags, and the nodes
std::string memoryPolicyJson() {
  int mode = 0;
  unsigned long mask[16] = {};
  if (syscall(SYS_get_mempolicy, &mode, mask, sizeof mask * 8, nullptr, 0) != 0) return errObj(errno);
  std::vector<int> nodes;
  for (unsigned node = 0; node < sizeof mask * 8; node++)
    if (mask[node / 64] & (1UL << (node % 64))) nodes.push_back(static_cast<int>(node));
  return "{\"mode\":" + std::to_string(mode) + ",\"nodes\":" + idListJson(nodes) + "}";
}

int probeAll() {
  std::string status;
  int err = 0;
  readFile("/proc/self/status", status, err);
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  getresuid(&ruid, &euid, &suid);
  getresgid(&rgid, &egid, &sgid);
  std::vector<gid_t> groups(static_cast<size_t>(std::max(getgroups(0, nullptr), 0)));
  if (!groups.empty()) groups.resize(static_cast<size_t>(std::max(getgroups(static_cast<int>(groups.size()), groups.data()), 0)));
  std::string groupsJson = "[";
  for (size_t i = 0; i < groups.size(); i++) groupsJson += (i ? "," : "") + std::to_string(groups[i]);
  groupsJson += "]";
  struct utsname u;
  uname(&u);
  char cwd[4096];
  std::string cwdJson = getcwd(cwd, sizeof cwd) ? quote(cwd) : errObj(errno);
  std::string cgroup;
  readFile("/proc/self/cgroup", cgroup, err);
  struct winsize ws;
  std::string winsize = ioctl(0, TIOCGWINSZ, &ws) == 0
                            ? "{\"rows\":" + std::to_string(ws.ws_row) + ",\"cols\":" + std::to_string(ws.ws_col) + "}"
                            : "null";
  std::string tty = ttyname(0) ? quote(ttyname(0)) : "null";
  std::string out = "{";
  out += "\"pid\":" + std::to_string(getpid());
  out += ",\"ppid\":" + std::to_string(getppid());
  out += ",\"uid\":" + std::to_string(ruid) + ",\"euid\":" + std::to_string(euid) + ",\"suid\":" + std::to_string(suid);
  out += ",\"gid\":" + std::to_string(rgid) + ",\"egid\":" + std::to_string(egid) + ",\"sgid\":" + std::to_string(sgid);
  out += ",\"groups\":" + groupsJson;
  out += ",\"umask\":" + quote(statusField(status, "Umask"));
  out += ",\"caps\":{\"inheritable\":" + quote(statusField(status, "CapInh")) +
         ",\"permitted\":" + quote(statusField(status, "CapPrm")) +
         ",\"effective\":" + quote(statusField(status, "CapEff")) +
         ",\"bounding\":" + quote(statusField(status, "CapBnd")) +
         ",\"ambient\":" + quote(statusField(status, "CapAmb")) + "}";
  out += ",\"noNewPrivs\":" + std::to_string(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  out += ",\"seccomp\":" + quote(statusField(status, "Seccomp"));
  out += ",\"seccompFilters\":" + quote(statusField(status, "Seccomp_filters"));
  out += ",\"signals\":{\"ignored\":" + quote(statusField(status, "SigIgn")) +
         ",\"blocked\":" + quote(statusField(status, "SigBlk")) + "}";
  out += ",\"rlimits\":" + rlimitsJson();
  out += ",\"cwd\":" + cwdJson;
  out += ",\"exe\":" + quote(readLink("/proc/self/exe"));
  out += ",\"env\":" + envJson();
  out += ",\"hostname\":" + quote(u.nodename);
  out += ",\"domainname\":" + quote(u.domainname);
  out += ",\"namespaces\":" + namespacesJson();
  out += ",\"cgroup\":" + strArray(lines(cgroup));
  out += ",\"oomScoreAdj\":" + fileOrNull("/proc/self/oom_score_adj");
  // IOPRIO_WHO_PROCESS of this process; 0xffffffff asks personality(2) without changing it
  out += ",\"ioPriority\":" + std::to_string(syscall(SYS_ioprio_get, 1, 0));
  out += ",\"personality\":" + std::to_string(personality(0xffffffff));
  out += ",\"scheduler\":" + schedulerJson();
  out += ",\"cpus\":" + cpusJson();
  out += ",\"memoryPolicy\":" + memoryPolicyJson();
  // the LSM label of the process; null where no LSM answers (EINVAL)
  out += ",\"lsmLabel\":" + fileOrNull("/proc/self/attr/current");
  out += ",\"fds\":" + fdsJson();
  out += ",\"isatty\":[" + std::string(isatty(0) ? "true" : "false") + "," + (isatty(1) ? "true" : "false") + "," +
         (isatty(2) ? "true" : "false") + "]";
  out += ",\"ttyname\":" + tty;
  out += ",\"winsize\":" + winsize;
  out += ",\"mounts\":" + mountsJson();
  out += "}\n";
  fputs(out.c_str(), stdout);
  return 0;
}

std::string typeName(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "dir";
  if (S_ISLNK(m)) return "symlink";
  if (S_ISCHR(m)) return "char";
  if (S_ISBLK(m)) return "block";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISSOCK(m)) return "socket";
  return "unknown";
}

int probeStat(int argc, char **argv) {
  std::string out = "[";
  for (int i = 2; i < argc; i++) {
    if (i > 2) out += ",";
    struct stat st;
    if (lstat(argv[i], &st) != 0) {
      int e = errno;
      out += "{\"path\":" + quote(argv[i]) + ",\"exists\":false,\"errno\":" + std::to_string(e) + "}";
      continue;
    }
    char mode[16];
    snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    out += "{\"path\":" + quote(argv[i]) + ",\"exists\":true,\"type\":" + quote(typeName(st.st_mode)) +
           ",\"mode\":" + quote(mode) + ",\"uid\":" + std::to_string(st.st_uid) + ",\"gid\":" + std::to_string(st.st_gid) +
           ",\"major\":" + std::to_string(major(st.st_rdev)) + ",\"minor\":" + std::to_string(minor(st.st_rdev)) +
           ",\"size\":" + std::to_string(st.st_size);
    if (S_ISLNK(st.st_mode)) out += ",\"target\":" + quote(readLink(argv[i]));
    out += "}";
  }
  out += "]\n";
  fputs(out.c_str(), stdout);
  return 0;
}

int probeRead(const char *path) {
  std::string data;
  int err = 0;
  if (!readFile(path, data, err)) {
    printf("%s\n", errObj(err).c_str());
    return 1;
  }
  printf("{\"data\":%s}\n", quote(data).c_str());
  return 0;
}

int probeWrite(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, data, strlen(data)) < 0) {
    int e = errno;
    printf("%s\n", errObj(e).c_str());
    return 1;
  }
  if (close(fd) != 0) {
    printf("%s\n", errObj(errno).c_str());
    return 1;
  }
  printf("{\"ok\":true}\n");
  return 0;
}

int probeLs(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    printf("%s\n", errObj(errno).c_str());
    return 1;
  }
  std::vector<std::string> names;
  while (struct dirent *ent = readdir(d))
    if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) names.push_back(ent->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  printf("%s\n", strArray(names).c_str());
  return 0;
}

// open(2) only: the devices cgroup decides at open time, whatever the device does on read.
int probeOpen(const char *path) {
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    printf("%s\n", errObj(errno).c_str());
    return 1;
  }
  close(fd);
  printf("{\"ok\":true}\n");
  return 0;
}

int probeClocks() {
  struct timespec mono, boot;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  printf("{\"monotonic\":%lld,\"boottime\":%lld}\n", static_cast<long long>(mono.tv_sec), static_cast<long long>(boot.tv_sec));
  return 0;
}

// The CVE-2019-5736 attacker, as a process in a container would do it: /proc/PID/exe of a helper
// that runs in the container's pid namespace names the host's binary; an O_PATH fd on it outlives
// the process, and once the binary is no longer running (no ETXTBSY) it can be reopened through
// /proc/self/fd/N for writing. Nothing is written: the open for writing is the escape.
struct Grab {
  pid_t pid;
  int fd;
  std::string exe;
  int reopenErrno = -1;  // -1 until tried; 0 when the open for writing succeeded
};

bool pidGone(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return true;
  char buf[512] = {};
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  const char *close = strrchr(buf, ')');
  return n == 0 || !close || close[2] == 'Z' || close[2] == 'X';
}

int probeGrabExe(const char *report, const char *stopFile, pid_t only) {
  std::vector<Grab> grabs;
  const pid_t self = getpid();
  bool ready = false;
  for (;;) {
    bool stop = access(stopFile, F_OK) == 0;
    DIR *d = opendir("/proc");
    if (!d) return 1;
    while (struct dirent *ent = readdir(d)) {
      pid_t pid = static_cast<pid_t>(atoi(ent->d_name));
      if (pid <= 0 || pid == self || (only > 0 && pid != only)) continue;
      if (std::any_of(grabs.begin(), grabs.end(), [&](const Grab &g) { return g.pid == pid; })) continue;
      char path[64];
      snprintf(path, sizeof path, "/proc/%d/exe", pid);
      int fd = open(path, O_PATH | O_CLOEXEC);
      if (fd < 0) continue;
      grabs.push_back({pid, fd, readLink(path)});
      FILE *mark = fopen((std::string(report) + ".grabbed").c_str(), "a");
      if (mark) fclose(mark);
    }
    closedir(d);
    if (!ready) {
      FILE *mark = fopen((std::string(report) + ".ready").c_str(), "w");
      if (mark) fclose(mark);
      ready = true;
    }
    for (auto &g : grabs) {
      if (g.reopenErrno >= 0 || !pidGone(g.pid)) continue;
      char viaFd[64];
      snprintf(viaFd, sizeof viaFd, "/proc/self/fd/%d", g.fd);
      int w = open(viaFd, O_WRONLY | O_CLOEXEC);
      g.reopenErrno = w >= 0 ? 0 : errno;
      if (w >= 0) close(w);
    }
    if (stop) break;
    usleep(200);
  }
  std::string out;
  for (auto &g : grabs)
    out += "{\"pid\":" + std::to_string(g.pid) + ",\"exe\":" + quote(g.exe) + ",\"writable\":" +
           (g.reopenErrno == 0 ? "true" : "false") + ",\"errno\":" + std::to_string(g.reopenErrno) + "}\n";
  FILE *f = fopen(report, "w");
  if (!f) return 1;
  fputs(out.c_str(), f);
  fclose(f);
  return 0;
}

// One datagram from a socket to itself on 127.0.0.1: fails with ENETUNREACH while lo is down.
std::string loopbackResult() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return strerror(errno);
  struct sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::string result = "ok";
  char byte = 'x';
  struct timeval timeout = {2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0 ||
      sendto(fd, &byte, 1, 0, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 1 || recv(fd, &byte, 1, 0) != 1)
    result = strerror(errno);
  close(fd);
  return result;
}

int probeNet() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct if_nameindex *ifs = if_nameindex();
  if (fd < 0 || !ifs) {
    perror("probe net");
    return 1;
  }
  std::string out = "{\"interfaces\":{";
  bool first = true;
  for (struct if_nameindex *i = ifs; i->if_index != 0; ++i) {
    struct ifreq ifr = {};
    strncpy(ifr.ifr_name, i->if_name, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) continue;
    out.append(first ? "\"" : ",\"").append(i->if_name);
    out.append("\":{\"up\":").append((ifr.ifr_flags & IFF_UP) ? "true" : "false");
    out.append(",\"loopback\":").append((ifr.ifr_flags & IFF_LOOPBACK) ? "true" : "false").append("}");
    first = false;
  }
  if_freenameindex(ifs);
  close(fd);
  out += "},\"loopback\":\"" + loopbackResult() + "\"}";
  printf("%s\n", out.c_str());
  return 0;
}

int usage() {
  fputs("usage: probe [probe | stat PATH... | read FILE | write FILE DATA | ls DIR | sleep SECONDS |"
        " exit N | kill-self SIG | env | open FILE | clocks | net | try OP... | grab-exe REPORT STOPFILE [PID]]\n",
        stderr);
  return 2;
}

volatile sig_atomic_t trapped = 0;

void onSigsys(int) { trapped = 1; }

long trySyscall(const std::string &op) {
  if (op == "getpid") return syscall(SYS_getpid);
  if (op.rfind("mkdir=", 0) == 0) return syscall(SYS_mkdir, op.c_str() + 6, 0755);
  // a NULL clone_args of size 0: EINVAL from the kernel, never a new process
  if (op == "clone3") return syscall(SYS_clone3, nullptr, 0);
  if (op.rfind("sys=", 0) == 0) {
    long v[7] = {};
    const char *p = op.c_str() + 4;
    for (int i = 0; i < 7 && *p; i++) {
      char *end;
      v[i] = static_cast<long>(strtoull(p, &end, 0));
      p = *end == ',' ? end + 1 : end;
    }
    return syscall(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
  }
  errno = EINVAL;
  return -2;
}

int probeTry(int argc, char **argv) {
  signal(SIGSYS, onSigsys);
  std::string out = "{";
  for (int i = 2; i < argc; i++) {
    trapped = 0;
    errno = 0;
    long r = trySyscall(argv[i]);
    int err = r < 0 ? errno : 0;
    if (i > 2) out += ",";
    out += quote(argv[i]) + ":{\"ret\":" + std::to_string(r) + ",\"errno\":" + std::to_string(err) +
           ",\"trapped\":" + (trapped ? "true" : "false") + "}";
  }
  out += "}\n";
  fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  std::string verb = argc > 1 ? argv[1] : "probe";
  if (verb == "probe") return probeAll();
  if (verb == "stat" && argc > 2) return probeStat(argc, argv);
  if (verb == "read" && argc == 3) return probeRead(argv[2]);
  if (verb == "write" && argc == 4) return probeWrite(argv[2], argv[3]);
  if (verb == "ls" && argc == 3) return probeLs(argv[2]);
  if (verb == "open" && argc == 3) return probeOpen(argv[2]);
  if (verb == "clocks" && argc == 2) return probeClocks();
  if (verb == "grab-exe" && (argc == 4 || argc == 5)) return probeGrabExe(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 0);
  if (verb == "net" && argc == 2) return probeNet();
  if (verb == "try" && argc > 2) return probeTry(argc, argv);
  if (verb == "env" && argc == 2) {
    printf("%s\n", envJson().c_str());
    return 0;
  }
  if (verb == "sleep" && argc == 3) {
    // sleep() returns early when a caught signal interrupts it; keep sleeping the remainder.
    unsigned left = static_cast<unsigned>(atoi(argv[2]));
    while (left > 0) left = sleep(left);
    return 0;
  }
  if (verb == "exit" && argc == 3) return atoi(argv[2]);
  if (verb == "kill-self" && argc == 3) {
    int sig = atoi(argv[2]);
    fflush(stdout);
    signal(sig, SIG_DFL);
    kill(getpid(), sig);
    return 125;  // only reached when the signal does not terminate
  }
  return usage();
}
