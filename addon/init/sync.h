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

// expect() for a message that may come with one fd (SCM_RIGHTS, close-on-exec): `passed` is it,
// or -1 without one.
Status expectWithFd(int fd, proto::Msg type, std::string* payload, int& passed);

// The sync socket, once tdrun-init has it: where report() and warn() send their messages. Before
// it is set, after closeChannel(), or once the parent is gone (tdrun was killed), they go to stderr.
void setChannel(int fd);

// A created container's init, once Ready, closes the socket: `create` reads until EOF and returns,
// and what fails after `start` (a startContainer hook, execve) goes to stderr, the container's
// output, every time, instead of sometimes into a socket that nobody reads any more.
void closeChannel();

// Sends an Error message for `s` on the channel, or writes the reason to stderr (see setChannel),
// so a failure is never mute.
void report(const Status& s);
__attribute__((format(printf, 1, 2))) void warn(const char* fmt, ...);

}  // namespace syncmsg
