#include "unix_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace unixsock {

int connectTo(const std::string& path) {
  sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  memcpy(addr.sun_path, path.c_str(), path.size());
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return -1;
  int r;
  do r = ::connect(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r != 0) {
    int err = errno;
    close(sock);
    errno = err;
    return -1;
  }
  return sock;
}

bool sendWithFd(int sock, const std::string& data, int fd) {
  iovec iov = {const_cast<char*>(data.data()), data.size()};
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
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  // a stream socket takes a message this small whole or not at all; say so if it did not
  if (static_cast<size_t>(n) != data.size()) errno = EMSGSIZE;
  return static_cast<size_t>(n) == data.size();
}

}  // namespace unixsock
