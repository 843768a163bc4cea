#include "console.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

namespace console {
namespace {

// Mounts the pty slave on /dev/console by file descriptors only (open_tree + move_mount): no
// path is resolved at mount time, so neither a symlinked /dev/console nor a swapped /dev can
// redirect the mount (CVE-2025-52565).
Status bindOverConsole(int slave) {
  open_how how = {};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int target = static_cast<int>(syscall(SYS_openat2, AT_FDCWD, "/dev/console", &how, sizeof how));
  if (target < 0) return fail(errno, "open /dev/console");
  struct stat st;
  Status s;
  if (fstat(target, &st) != 0) s = fail(errno, "stat /dev/console");
  else if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) s = fail(0, "/dev/console is not a file or a character device");
  int tree = -1;
  if (s.ok()) {
    tree = open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) s = fail(errno, "open_tree of the pty slave");
  }
  if (s.ok() && move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    s = fail(errno, "mount the pty slave on /dev/console");
  if (tree >= 0) close(tree);
  close(target);
  return s;
}

// runc's console-socket message: the name as data, the pty master as the only SCM_RIGHTS fd.
Status sendMaster(int sock, int master, const std::string& where) {
  char name[] = "/dev/ptmx";
  iovec iov = {name, sizeof name - 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &master, sizeof(int));
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return fail(errno, "send the pty master on the console socket%s", where.c_str());
  return ok();
}

}  // namespace

Status connect(const plan::Plan& p, int& sock) {
  if (p.consoleSocketFd >= 0) {
    if (fcntl(p.consoleSocketFd, F_SETFD, FD_CLOEXEC) != 0) return fail(errno, "console socket fd %d", p.consoleSocketFd);
    sock = p.consoleSocketFd;
    return ok();
  }
  if (p.consoleSocket.empty()) return fail(0, "process.terminal is set but there is no console socket");
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (p.consoleSocket.size() >= sizeof addr.sun_path) return fail(ENAMETOOLONG, "open console socket %s", p.consoleSocket.c_str());
  memcpy(addr.sun_path, p.consoleSocket.c_str(), p.consoleSocket.size());
  sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return fail(errno, "open console socket %s", p.consoleSocket.c_str());
  int r;
  do r = ::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r != 0) {
    int err = errno;
    close(sock);
    sock = -1;
    return fail(err, "open console socket %s", p.consoleSocket.c_str());
  }
  return ok();
}

Status setup(const plan::Plan& p, int sock, bool bindConsole) {
  std::string where = p.consoleSocket.empty() ? "" : " " + p.consoleSocket;
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return fail(errno, "open /dev/ptmx");
  Status s;
  int unlock = 0, slave = -1;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0) s = fail(errno, "unlock the pty");
  // TIOCGPTPEER opens the slave through the master's own devpts mount, never by a /dev/pts path.
  if (s.ok() && (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) s = fail(errno, "open the pty slave");
  if (s.ok() && p.process.hasConsoleSize) {
    winsize ws = {};
    ws.ws_row = p.process.consoleHeight;
    ws.ws_col = p.process.consoleWidth;
    if (ioctl(master, TIOCSWINSZ, &ws) != 0) s = fail(errno, "set the console size");
  }
  if (s.ok() && bindConsole) s = bindOverConsole(slave);
  if (s.ok()) s = sendMaster(sock, master, where);
  close(master);
  close(sock);
  for (int fd = 0; s.ok() && fd <= 2; ++fd)
    if (dup2(slave, fd) < 0) s = fail(errno, "dup the pty slave to fd %d", fd);
  if (s.ok() && ioctl(0, TIOCSCTTY, 0) != 0) s = fail(errno, "make the pty the controlling terminal");
  if (slave > 2) close(slave);
  return s;
}

}  // namespace console
