#include "console.h"
#include "unix_socket.h"
#include "fd.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
  Fd target(static_cast<int>(syscall(SYS_openat2, AT_FDCWD, "/dev/console", &how, sizeof how)));
  if (!target.valid()) return fail(errno, "open /dev/console");
  struct stat st;
  if (fstat(target.get(), &st) != 0) return fail(errno, "stat /dev/console");
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) return fail(0, "/dev/console is not a file or a character device");
  Fd tree(open_tree(slave, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH));
  if (!tree.valid()) return fail(errno, "open_tree of the pty slave");
  if (move_mount(tree.get(), "", target.get(), "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
    return fail(errno, "mount the pty slave on /dev/console");
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
  sock = unixsock::connectTo(p.consoleSocket);
  if (sock < 0) return fail(errno, "open console socket %s", p.consoleSocket.c_str());
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
  // runc's console-socket message: the name as data, the pty master as the only SCM_RIGHTS fd.
  if (s.ok() && !unixsock::sendWithFd(sock, "/dev/ptmx", master))
    s = fail(errno, "send the pty master on the console socket%s", where.c_str());
  close(master);
  close(sock);
  for (int fd = 0; s.ok() && fd <= 2; ++fd)
    if (dup2(slave, fd) < 0) s = fail(errno, "dup the pty slave to fd %d", fd);
  if (s.ok() && ioctl(0, TIOCSCTTY, 0) != 0) s = fail(errno, "make the pty the controlling terminal");
  if (slave > 2) close(slave);
  return s;
}

}  // namespace console
