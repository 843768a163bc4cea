// Unit test of tdrun-init's plan reader (addon/init/plan.cc), run by ctest (and so by `npm test`,
// through src/plan.test.ts): its JSON syntax, the mapping onto plan::Plan, the errors with their
// JSON pointers, and that a member nothing reads is refused.
// `plan-test FILE...` instead parses each file and prints "ok" or the error: src/plan.test.ts
// hands it the plans src/plan.ts compiles, so that both sides are held to one format.
#include "init/plan.h"
#include "test/check.h"

#include <sched.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using test::check;
using test::failures;

namespace {

// The smallest plan the reader accepts (a create with a mount namespace), with `members` (raw
// JSON text each) in place of the defaults of the same name, or added.
std::string planWith(std::vector<std::pair<std::string, std::string>> members = {}) {
  std::vector<std::pair<std::string, std::string>> all = {
      {"mode", R"("create")"},
      {"id", R"("c1")"},
      {"newNamespaces", std::to_string(CLONE_NEWNS)},
      {"rootfs", R"("/r")"},
      {"process", R"({"args":["/bin/sh"],"cwd":"/"})"},
      {"syncHooks", "false"},
  };
  for (auto& m : members) {
    bool replaced = false;
    for (auto& a : all)
      if (a.first == m.first) a.second = m.second, replaced = true;
    if (!replaced) all.push_back(m);
  }
  std::string json = "{";
  for (auto& a : all) {
    if (json.size() > 1) json += ',';
    json.append("\"").append(a.first).append("\":").append(a.second);
  }
  return json + "}";
}

std::string errorOf(const std::string& json) {
  plan::Plan p;
  std::string error;
  return plan::parse(json, p, error) ? "" : error;
}

void syntax() {
  plan::Plan p;
  std::string error;
  check(plan::parse(planWith({{"hostname", R"("h\u00e9\ud83d\ude00\n\"")"}, {"newNamespaces", std::to_string(CLONE_NEWNS | CLONE_NEWUTS)}}), p, error),
        "escapes: " + error);
  check(p.hostname == "h\xc3\xa9\xf0\x9f\x98\x80\n\"", "\\u escapes and surrogate pairs decode to UTF-8");
  check(errorOf(planWith() + " x").find("trailing data") != std::string::npos, "trailing data");
  check(errorOf(R"({"id":"a\ud800"})").find("lone surrogate") != std::string::npos, "lone surrogate");
  check(errorOf(R"({"id":"a\u0000"})").find("NUL character") != std::string::npos, "NUL in a string");
  check(errorOf(std::string(70, '[') + std::string(70, ']')).find("nested too deeply") != std::string::npos, "depth limit");
  check(errorOf(R"({"id":"a)").find("unterminated string") != std::string::npos, "unterminated string");
  check(errorOf(R"({"a":[1,2 3]})") == "plan: invalid JSON at offset 10: expected ',' or ']'", "a missing comma in an array");
  check(errorOf(R"({"a":1 "b":2})") == "plan: invalid JSON at offset 7: expected ',' or '}'", "a missing comma in an object");
}

void mapping() {
  plan::Plan p;
  std::string error;
  std::string json = planWith({
      {"process", R"({"args":["/bin/sh","-c","x"],"env":["A=1"],"cwd":"/w","uid":1000,"gid":1001,"umask":18,)"
                  R"("additionalGids":[5,6],"terminal":true,"consoleSize":{"height":24,"width":80},)"
                  R"("capabilities":{"bounding":[0,21],"effective":[21],"inheritable":[],"permitted":[21],"ambient":[]},)"
                  R"("rlimits":[{"type":7,"soft":"1024","hard":"18446744073709551615"}],"noNewPrivileges":true,)"
                  R"("oomScoreAdj":-500,"ioPriority":16388,"personality":8})"},
      {"mounts", R"([{"destination":"/proc","source":"proc","type":"proc","data":"","bind":false,"recursive":false,)"
                 R"("flags":14,"propagation":[],"recursiveAttrSet":0,"recursiveAttrClear":0,"copyUp":false,"createAs":"file"}])"},
      {"syncHooks", "true"},
      {"hooks", R"({"createContainer":[{"path":"/h","args":["h","1"],"env":["E=1"],"timeout":5}],"startContainer":[]})"},
      {"seccomp", R"({"defaultAction":2147418112,"architectures":["SCMP_ARCH_X86"],"flags":0,"rules":[{"names":["kill"],)"
                  R"("action":327681,"args":[{"index":1,"value":"9","valueTwo":"0","op":4}]}],"listenerPath":null,"listenerMessageHead":"",)"
                  R"("cache":{"key":"ab12","fd":"directory"}})"},
  });
  check(plan::parse(json, p, error), "a full plan: " + error);
  check(p.process.args.size() == 3 && p.process.cwd == "/w" && p.process.uid == 1000 && p.process.gid == 1001, "process basics");
  check(p.process.hasUmask && p.process.umask == 022, "umask");
  check(p.process.additionalGids.size() == 2 && p.process.terminal && p.process.consoleWidth == 80, "gids, terminal, console size");
  check(p.process.hasCapabilities && p.process.capabilities.bounding.size() == 2 && p.process.capabilities.effective[0] == 21, "capabilities");
  check(p.process.rlimits.size() == 1 && p.process.rlimits[0].hard == ~0ULL && p.process.rlimits[0].soft == 1024, "rlimits as exact decimal strings");
  check(p.process.noNewPrivileges && p.process.oomScoreAdj == -500 && p.process.ioPriority == 16388 && p.process.personality == 8, "the rest of process");
  check(p.mounts.size() == 1 && p.mounts[0].flags == 14 && p.mounts[0].createAsFile, "mounts");
  check(p.createContainerHooks.size() == 1 && p.createContainerHooks[0].timeout == 5 && p.createContainerHooks[0].args[1] == "1", "hooks");
  check(p.hasSeccomp && p.seccomp.rules.size() == 1 && p.seccomp.rules[0].args[0].value == 9 && p.seccomp.listenerPath.empty(), "seccomp");
  check(p.seccomp.cacheKey == "ab12" && p.seccomp.cacheFd == plan::Seccomp::CacheFd::Directory, "seccomp's cache entry");
  check(!p.hasHostname && p.cgroupV2.empty() && p.defaultDevSymlinks, "absent members keep plan.h's defaults");
}

void errors() {
  check(errorOf(planWith({{"preserveFds", R"("3")"}})) == "plan: /preserveFds: not a number", "a string for a number");
  check(errorOf(planWith({{"mounts", R"([{"destination":"/a"},{"destination":"rel"}])"}})) == "plan: /mounts/1/destination: not an absolute path",
        "the pointer names the array element");
  check(errorOf(planWith({{"process", R"({"args":[],"cwd":"/"})"}})).find("/process/args: must not be empty") != std::string::npos, "empty args");
  check(errorOf(planWith({{"process", R"({"args":["x"],"cwd":"/","oomScoreAdj":1001})"}})) == "plan: /process/oomScoreAdj: out of range", "range");
  check(errorOf(planWith({{"process", R"({"args":["x"],"cwd":"/","uid":1.5})"}})) == "plan: /process/uid: not an integer", "fraction");
  check(errorOf(planWith({{"hostname", R"("h")"}})) == "plan: /hostname: needs a UTS namespace", "cross-field rule");
  check(errorOf(planWith({{"seccomp", R"({"defaultAction":0,"cache":{"key":"ab12","fd":"socket"}})"}})) ==
            "plan: /seccomp/cache/fd: must be \"program\" or \"directory\"",
        "the cache's fd is the program or the directory");
  check(errorOf(planWith({{"newField", "1"}})) ==
            "plan: /newField: not read by tdrun-init (src/plan-types.ts and addon/init/plan.cc disagree)",
        "a member nothing reads");
  check(errorOf(planWith({{"mounts", R"([{"destination":"/a","mystery":true}])"}})).find("plan: /mounts/0/mystery: not read") == 0,
        "a member nothing reads, deep down");
}

int files(int argc, char** argv) {
  int bad = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i]);
    std::stringstream text;
    text << in.rdbuf();
    plan::Plan p;
    std::string error;
    if (!in || !plan::parse(text.str(), p, error)) {
      std::printf("%s: %s\n", argv[i], in ? error.c_str() : "cannot read");
      bad++;
    } else {
      std::printf("%s: ok\n", argv[i]);
    }
  }
  return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) return files(argc, argv);
  syntax();
  mapping();
  errors();
  if (failures) {
    std::fprintf(stderr, "plan: %d checks failed\n", failures);
    return 1;
  }
  std::printf("plan: all checks passed\n");
  return 0;
}
