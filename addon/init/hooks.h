// createContainer / startContainer hooks, run by the init in the container's namespaces.
#pragma once
#include <string>
#include <vector>

#include "plan.h"
#include "status.h"

namespace hooks {

// How a hook runs, the same on both sides (src/hooks.ts runs prestart, createRuntime, poststart
// and poststop; spec-tests/hooks.test.ts holds both implementations to this):
// - execve of hook.path, argv[0] = args[0] (or the path), exactly hook.env, the state JSON on stdin;
// - stdout and stderr are captured; the first kOutputLimit bytes, on one line (oneLine), end
//   the error of a failed hook: "createContainer hook /x: exit status 3, output: no disk";
// - its exit decides: what it left behind still holding its output gets kOutputGraceMs to finish
//   writing, then is no longer read;
// - past hook.timeout seconds (when > 0) it is killed with SIGKILL: "timed out after Ns".
constexpr size_t kOutputLimit = 1024;
constexpr int kOutputGraceMs = 100;

// Runs each hook in order until one fails; `kind` names the hook list in errors.
Status run(const char* kind, const std::vector<plan::Hook>& hooks, const std::string& state);

// Output as it appears in an error: trimmed, each run of white space with a line break in it
// as " / ".
std::string oneLine(const std::string& output);

}  // namespace hooks
