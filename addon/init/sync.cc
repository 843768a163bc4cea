#include "sync.h"

#include "scm_rights.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace syncmsg {
namespace {

const char* name(proto::Msg m) {
  switch (m) {
    case proto::Msg::Plan: return "Plan";
    case proto::Msg::NeedIdMaps: return "NeedIdMaps";
    case proto::Msg::IdMapsDone: return "IdMapsDone";
    case proto::Msg::ChildPid: return "ChildPid";
    case proto::Msg::RunRuntimeHooks: return "RunRuntimeHooks";
    case proto::Msg::RuntimeHooksDone: return "RuntimeHooksDone";
    case proto::Msg::Ready: return "Ready";
    case proto::Msg::Error: return "Error";
    case proto::Msg::Warning: return "Warning";
    case proto::Msg::CgroupsReady: return "CgroupsReady";
  }
  return "unknown";
}

// MSG_NOSIGNAL: a vanished parent must give EPIPE here, not kill the init with SIGPIPE.
bool sendAll(int fd, const char* data, size_t len) {
  while (len) {
    ssize_t n = ::send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    len -= n;
  }
  return true;
}

// Returns bytes read: len on success, less on EOF; -1 with errno on error.
ssize_t readAll(int fd, char* data, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t n = ::read(fd, data + off, len - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    off += n;
  }
  return off;
}

}  // namespace

Status send(int fd, proto::Msg type, int32_t value, const std::string& payload) {
  proto::Header h{static_cast<uint32_t>(type), value, static_cast<uint32_t>(payload.size())};
  if (!sendAll(fd, reinterpret_cast<const char*>(&h), sizeof h) || !sendAll(fd, payload.data(), payload.size()))
    return fail(errno, "send %s message on the sync socket", name(type));
  return ok();
}

namespace {

// The header's first bytes by recvmsg, which takes the fd sent with them; the rest by readAll.
ssize_t readHeader(int fd, proto::Header& h, int* passed) {
  if (!passed) return readAll(fd, reinterpret_cast<char*>(&h), sizeof h);
  ssize_t n = recvWithFd(fd, &h, sizeof h, passed);
  if (n < 0) return -1;
  if (n == 0 || static_cast<size_t>(n) == sizeof h) return n;
  ssize_t rest = readAll(fd, reinterpret_cast<char*>(&h) + n, sizeof h - n);
  return rest < 0 ? -1 : n + rest;
}

Status receive(int fd, proto::Msg type, std::string* payload, int* passed) {
  proto::Header h;
  ssize_t n = readHeader(fd, h, passed);
  if (n < 0) return fail(errno, "read the sync socket waiting for %s", name(type));
  if (n != sizeof h) return fail(0, "sync socket closed by tdrun while waiting for %s", name(type));
  if (h.type != static_cast<uint32_t>(type))
    return fail(0, "sync socket: got message type %u while waiting for %s", h.type, name(type));
  std::string body(h.length, '\0');
  n = readAll(fd, body.data(), body.size());
  if (n < 0) return fail(errno, "read the sync socket waiting for %s", name(type));
  if (static_cast<size_t>(n) != body.size()) return fail(0, "sync socket: truncated %s message", name(type));
  if (payload) *payload = std::move(body);
  return ok();
}

}  // namespace

Status expect(int fd, proto::Msg type, std::string* payload) { return receive(fd, type, payload, nullptr); }

Status expectWithFd(int fd, proto::Msg type, std::string* payload, int& passed) {
  Status s = receive(fd, type, payload, &passed);
  if (!s.ok() && passed >= 0) {
    close(passed);
    passed = -1;
  }
  return s;
}

namespace {
int channelFd = -1;
}

void setChannel(int fd) { channelFd = fd; }

void closeChannel() {
  close(channelFd);
  channelFd = -1;
}

void warn(const char* fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  if (channelFd >= 0 && send(channelFd, proto::Msg::Warning, 0, text).ok()) return;
  dprintf(2, "tdrun-init: warning: %s\n", text);
}

void report(const Status& s) {
  if (channelFd >= 0 && send(channelFd, proto::Msg::Error, s.err, s.what).ok()) return;
  std::string line = "tdrun-init: " + s.what;
  if (s.err) {
    // lower case as tdrun's own lines (src/errors.ts errnoText) and runc's
    std::string why = strerror(s.err);
    why[0] = static_cast<char>(tolower(static_cast<unsigned char>(why[0])));
    line += ": " + why;
  }
  line += '\n';
  (void)!::write(2, line.data(), line.size());
}

}  // namespace syncmsg
