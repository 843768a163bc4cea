// createContainer / startContainer hooks, run by the init in the container's namespaces.
#pragma once
#include <string>
#include <vector>

#include "plan.h"
#include "status.h"

namespace hooks {

// Runs each hook in order (fork + execve of hook.path with hook.args and exactly hook.env, the
// state JSON on stdin), waiting for it, killing it with SIGKILL after hook.timeout seconds.
// `kind` names the hook list in errors: "createContainer hook /x: exit status 3".
Status run(const char* kind, const std::vector<plan::Hook>& hooks, const std::string& state);

}  // namespace hooks
