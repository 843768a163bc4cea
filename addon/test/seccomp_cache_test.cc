// Unit test of addon/seccomp_cache.cc, run by ctest: the file's header survives format and
// parse, a damaged file is refused, the key changes with the profile and with the files it is
// made by, and the trust rules refuse a directory or file that someone else could write (the
// rules that apply only to root's files are shown by spec-tests/seccomp.test.ts).
#include "seccomp_cache.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "fd.h"
#include "test/check.h"

using test::check;

namespace {

std::string fileWith(const seccomp_cache::Header& h) {
  std::string data = seccomp_cache::format(h);
  data.append(h.count * sizeof(sock_filter), '\x06');
  return data;
}

void header() {
  seccomp_cache::Header h{"build 1", std::string(64, 'a'), true, "mseal, listmount", {0x7fff0000, 0x50000}, 3};
  std::string data = fileWith(h);
  seccomp_cache::Header got;
  size_t at = 0;
  check(seccomp_cache::parse(data, got, at), "a formatted file parses");
  check(got.maker == h.maker && got.key == h.key && got.notifies && got.skipped == h.skipped && got.actions == h.actions &&
            got.count == 3 && at == data.size() - 3 * sizeof(sock_filter),
        "every header field comes back");
  check(!seccomp_cache::parse(data.substr(0, data.size() - 1), got, at), "a file cut short is refused");
  check(!seccomp_cache::parse(data + "x", got, at), "a file with more than its program is refused");
  check(!seccomp_cache::parse("tdrun seccomp program 1\n" + data.substr(data.find('\n') + 1), got, at), "another format is refused");
  h.actions.clear();
  check(!seccomp_cache::parse(fileWith(h), got, at), "a file without actions is refused");
}

void key() {
  char made[] = "/tmp/tdrun-cache-test-XXXXXX";
  Fd fd(mkstemp(made));
  std::string a, b, c;
  check(seccomp_cache::key({made}, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", a) && a.size() == 64, "a key is 64 hex digits");
  check(seccomp_cache::key({made}, "{\"defaultAction\":\"SCMP_ACT_LOG\"}", b) && a != b, "another profile, another key");
  usleep(10000);
  check(write(fd.get(), "x", 1) == 1, "write the made-by file");
  check(seccomp_cache::key({made}, "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", c) && a != c, "a changed made-by file, another key");
  unlink(made);
  check(!seccomp_cache::key({made}, "{}", c), "no key without the made-by file");
}

void trust() {
  char dir[] = "/tmp/tdrun-cache-test-XXXXXX";
  check(mkdtemp(dir) != nullptr, "mkdtemp");
  std::string cache = std::string(dir) + "/@seccomp";
  Fd d(seccomp_cache::openDirectory(cache));
  struct stat st;
  check(d.valid() && stat(cache.c_str(), &st) == 0 && (st.st_mode & 0777) == 0700, "the directory is made 0700 and taken");
  std::string key(64, 'b'), data;
  std::string file = cache + "/" + key + ".bpf";
  {
    Fd out(open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600));
    std::string content = fileWith({"m", key, false, "", {0x7fff0000}, 1});
    check(write(out.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size()), "write a program");
  }
  Fd p(seccomp_cache::openProgram(d.get(), key, data));
  check(p.valid() && !data.empty(), "a file of this user, closed to others, is taken");
  p.reset();
  chmod(file.c_str(), 0620);
  check(seccomp_cache::openProgram(d.get(), key, data) < 0, "a file the group may write is refused");
  chmod(file.c_str(), 0600);
  chmod(cache.c_str(), 0770);
  check(seccomp_cache::openDirectory(cache) < 0, "a directory the group may write is refused");
  chmod(cache.c_str(), 0700);
  unlink(file.c_str());
  check(mkfifo(file.c_str(), 0600) == 0 && seccomp_cache::openProgram(d.get(), key, data) < 0, "a fifo is refused, without hanging");
  unlink(file.c_str());
  check(symlink("/etc/passwd", file.c_str()) == 0 && seccomp_cache::openProgram(d.get(), key, data) < 0, "a symlink is refused");
  unlink(file.c_str());
  rmdir(cache.c_str());
  rmdir(dir);
}

}  // namespace

int main() {
  header();
  key();
  trust();
  if (test::failures) return 1;
  std::puts("seccomp_cache: all checks passed");
  return 0;
}
