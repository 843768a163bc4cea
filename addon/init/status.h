// How tdrun-init reports failure: a record made at the failure site, carried back to the parent
// in an Error message { value = errno, payload = what }, printed by TypeScript as
// "tdrun: create <id>: <what>: <strerror(errno)>". With errno 0 the `what` is the whole reason.
#pragma once
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <string>

struct Status {
  int err = 0;       // errno, or 0 when `what` says it all
  std::string what;  // e.g. "mount proc on /proc"; empty = success
  bool ok() const { return what.empty(); }
};

inline Status ok() { return {}; }

__attribute__((format(printf, 2, 3))) inline Status fail(int err, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return Status{err, buf};
}

#define TRY(expr)                   \
  do {                              \
    Status try_status_ = (expr);    \
    if (!try_status_.ok()) return try_status_; \
  } while (0)
