// The cache of compiled seccomp programs, <root>/@seccomp/<key>.bpf (issue 15): engines send
// the same profile with every container, and libseccomp takes milliseconds over a docker-sized
// one. tdrun (the addon, addon/node/module.cc) names the file by the profile's text, checks that
// it may trust it and hands tdrun-init the open file, or on a miss the open directory, which
// tdrun-init compiles into (addon/init/seccomp.cc). This file is what both sides share: the
// file's format and the trust rules, in one place. No exceptions, no Node, no libseccomp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seccomp_cache {

constexpr size_t kMaxSize = 1 << 20;

// The file: these lines, each ending in '\n', then `count` sock_filter instructions.
struct Header {
  std::string maker;             // the build of tdrun-init that compiled it (seccomp.cc)
  std::string key;               // the file's name without ".bpf"
  bool notifies = false;         // a SCMP_ACT_NOTIFY rule made it into the program
  std::string skipped;           // the profile's syscall names unknown to libseccomp, ", "-joined
  std::vector<uint32_t> actions; // every action of the profile (SECCOMP_RET_ACTION_FULL bits)
  size_t count = 0;              // instructions
};

std::string format(const Header& h);

// Reads the header of a whole file's `data`; false unless it is well formed and the program
// after it is exactly `count` instructions long. `programAt`: where the program starts.
bool parse(std::string_view data, Header& out, size_t& programAt);

// The key: SHA-256 of the profile's text (the JSON of linux.seccomp) and of "device:inode:size:
// mtime:ctime" of each file the program is made by, each with its length so that no two inputs
// serialize alike. A rebuilt file changes its ctime, which no one can set. False when a file
// cannot be stat'ed.
bool key(const std::vector<std::string>& madeBy, std::string_view profileText, std::string& out);

// The directory, made (0700) when its parent exists and it does not; -1 unless it belongs to
// this user and is closed to everyone else: anyone else who could write it could hand any
// container any program.
int openDirectory(const std::string& path);

// <key>.bpf in a directory from openDirectory, read whole into `data`: -1 unless it is a regular
// file of this user that no one else may write, of a size up to kMaxSize.
int openProgram(int directory, const std::string& key, std::string& data);

// The whole of a file from openProgram (which tdrun-init reads again from its own fd).
bool readWhole(int fd, std::string& data);

}  // namespace seccomp_cache
