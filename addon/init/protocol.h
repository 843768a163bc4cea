// The wire protocol between the TypeScript orchestrator and tdrun-init.
// Mirrored by src/protocol.ts; src/protocol.test.ts reads both and holds them to the same numbers.
//
// Transport: a SOCK_STREAM socketpair. tdrun-init gets its end as the fd named in argv[1].
// Every message is a 12-byte header { u32 type; i32 value; u32 length } (host byte order)
// followed by `length` bytes of payload.
//
// create:                                        exec:
//   parent -> PLAN (json)                          parent -> PLAN (json)
//   parent -> CGROUPS_READY                        helper -> CHILD_PID(pid)
//   [helper -> NEED_ID_MAPS(pid)                   child  -> ERROR | EOF on execve (CLOEXEC)
//    parent -> ID_MAPS_DONE]
//   helper -> CHILD_PID(pid of the init)
//   [init   -> RUN_RUNTIME_HOOKS
//    parent -> RUNTIME_HOOKS_DONE(state json)]
//   init   -> READY, then EOF: `create`'s init closes its end and
//             waits on the exec fifo (what fails after `start` goes
//             to its stderr); `run`'s has no fifo and goes on to
//             execve: ERROR | EOF on execve (CLOEXEC)
// Any step may instead answer ERROR { value = errno (0 if none), payload = what failed }, and
// WARNING { payload = text } may come before any helper/init message.
#pragma once
#include <cstdint>

namespace proto {

enum class Msg : uint32_t {
  Plan = 1,              // parent -> helper: payload is the plan JSON (src/plan.ts), with at most one fd
                         // (SCM_RIGHTS): the seccomp cache's file or directory that plan.seccomp.cache names
  NeedIdMaps = 2,        // helper -> parent: value = pid whose uid_map/gid_map to write
  IdMapsDone = 3,        // parent -> helper
  ChildPid = 4,          // helper -> parent: value = host pid of the container init / exec process,
                         // payload = "<dev>:<inode>" of its pid namespace (mount without one of its own)
  RunRuntimeHooks = 5,   // init -> parent: run prestart + createRuntime hooks now
  RuntimeHooksDone = 6,  // parent -> init: payload = state JSON for createContainer/startContainer hooks
  Ready = 7,             // init -> parent: set up, waiting for `start`
  Error = 8,             // helper/init -> parent: value = errno, payload = "what" (e.g. "mount proc on /proc")
  Warning = 9,           // helper/init -> parent, any time before Ready/EOF: payload = text; the parent logs it and reads on
  CgroupsReady = 10,     // parent -> helper (create): the cgroups exist and are configured; the plan came first so that
                         // the helper can make the namespaces that do not depend on them meanwhile
};

struct Header {
  uint32_t type;
  int32_t value;
  uint32_t length;
};
static_assert(sizeof(Header) == 12, "header is 12 bytes on the wire");

}  // namespace proto
