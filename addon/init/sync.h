// Reading and writing protocol.h messages on the sync socket. The namespace is not called `sync`
// because that name is taken by sync(2) in the global scope.
#pragma once
#include <cstdint>
#include <string>

#include "protocol.h"
#include "status.h"

namespace syncmsg {

Status send(int fd, proto::Msg type, int32_t value, const std::string& payload = {});

// Reads the next message and fails unless it has the expected type. EOF is an error too: at every
// point the init waits, the parent still owes it an answer.
Status expect(int fd, proto::Msg type, std::string* payload = nullptr);

// Sends an Error message for `s`; when the socket is gone (tdrun exited, or a start hook failed
// after `create` returned) the reason goes to stderr instead, so a failure is never mute.
void report(int fd, const Status& s);

// Where warn() sends Warning messages (the sync socket); before it is set, or once the parent is
// gone, warnings go to stderr.
void setWarningChannel(int fd);
__attribute__((format(printf, 1, 2))) void warn(const char* fmt, ...);

}  // namespace syncmsg
