// A message that may carry one file descriptor (SCM_RIGHTS) over an AF_UNIX socket: how tdrun-init
// gets the seccomp program or cache directory with the plan, and how the addon gets a console's
// pty master. Shared by the addon (addon/node) and tdrun-init (addon/init); header-only.
#pragma once
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

// Up to len bytes into buf, as recvmsg returns them, and the fd that came with them in *fd (-1
// when none did; close-on-exec). More fds than one: the kernel closed those it could not pass,
// this closes the one it did, and the call fails with EBADMSG.
inline ssize_t recvWithFd(int sock, void* buf, size_t len, int* fd) {
  *fd = -1;
  iovec iov{buf, len};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(fd, CMSG_DATA(c), sizeof(int));
  if (msg.msg_flags & MSG_CTRUNC) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
    errno = EBADMSG;
    return -1;
  }
  return n;
}
