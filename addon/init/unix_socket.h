// The two unix-socket moves tdrun-init makes towards programs outside the container: connect to
// a path while the host's filesystem is still visible, and hand over one fd with SCM_RIGHTS
// (the console socket's pty master, the seccomp listener's notify fd).
#pragma once
#include <string>

namespace unixsock {

// A SOCK_STREAM connection to `path`, close-on-exec. Returns the socket, or -1 with errno set.
int connectTo(const std::string& path);

// Sends `data` with `fd` as the one SCM_RIGHTS fd (MSG_NOSIGNAL: a vanished peer is EPIPE, not a
// silent death). Returns false with errno set.
bool sendWithFd(int sock, const std::string& data, int fd);

}  // namespace unixsock
