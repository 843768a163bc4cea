// A small JSON reader for the one document tdrun-init ever reads, and the mapping of that
// document (src/plan-types.ts) onto plan::Plan. Fields that are absent keep the defaults of
// plan.h; fields of the wrong type are errors naming their JSON pointer.
#include "plan.h"

#include <sched.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace plan {
namespace {

struct Json {
  enum Type : unsigned char { Null, Bool, Number, String, Array, Object } type = Null;
  bool boolean = false;
  std::string text;  // a string's value, or a number's literal text (parsed at use, exactly)
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;
  // set by Reader::get: a member nothing read is a field src/plan.ts sends and tdrun-init ignores
  mutable bool read = false;
};

class Parser {
 public:
  Parser(const std::string& s) : p_(s.data()), end_(s.data() + s.size()) {}

  bool document(Json& out, std::string& error) {
    if (!value(out, 0)) {
      error = "plan: invalid JSON at offset " + std::to_string(offset_()) + ": " + why_;
      return false;
    }
    ws();
    if (p_ != end_) {
      error = "plan: invalid JSON at offset " + std::to_string(offset_()) + ": trailing data";
      return false;
    }
    return true;
  }

 private:
  const char* p_;
  const char* end_;
  const char* begin_ = p_;
  const char* why_ = "";

  size_t offset_() const { return p_ - begin_; }
  bool bad(const char* why) {
    why_ = why;
    return false;
  }
  void ws() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool literal(const char* word) {
    size_t n = strlen(word);
    if (static_cast<size_t>(end_ - p_) < n || memcmp(p_, word, n) != 0) return bad("unexpected token");
    p_ += n;
    return true;
  }

  bool value(Json& out, int depth) {
    if (depth > 64) return bad("nested too deeply");
    ws();
    if (p_ == end_) return bad("unexpected end");
    switch (*p_) {
      case '{': return object(out, depth);
      case '[': return array(out, depth);
      case '"': out.type = Json::String; return string(out.text);
      case 't': out.type = Json::Bool; out.boolean = true; return literal("true");
      case 'f': out.type = Json::Bool; out.boolean = false; return literal("false");
      case 'n': out.type = Json::Null; return literal("null");
      default: out.type = Json::Number; return number(out.text);
    }
  }

  // Steps over the opening bracket; true, and past `close` too, when nothing is inside.
  bool empty(char close) {
    ++p_;
    ws();
    if (p_ == end_ || *p_ != close) return false;
    ++p_;
    return true;
  }

  bool object(Json& out, int depth) {
    out.type = Json::Object;
    if (empty('}')) return true;
    for (;;) {
      ws();
      if (p_ == end_ || *p_ != '"') return bad("expected a member name");
      std::pair<std::string, Json> member;
      if (!string(member.first)) return false;
      ws();
      if (p_ == end_ || *p_ != ':') return bad("expected ':'");
      ++p_;
      if (!value(member.second, depth + 1)) return false;
      out.members.push_back(std::move(member));
      bool more;
      if (!separator('}', more)) return false;
      if (!more) return true;
    }
  }

  bool array(Json& out, int depth) {
    out.type = Json::Array;
    if (empty(']')) return true;
    for (;;) {
      out.items.emplace_back();
      if (!value(out.items.back(), depth + 1)) return false;
      bool more;
      if (!separator(']', more)) return false;
      if (!more) return true;
    }
  }

  // What follows a member or an item: ',' (more follow) or `close` (the end); anything else fails.
  bool separator(char close, bool& more) {
    ws();
    if (p_ == end_) return bad("unexpected end");
    more = *p_ == ',';
    if (more || *p_ == close) return ++p_, true;
    return bad(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }

  bool number(std::string& out) {
    const char* start = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    const char* digits = p_;
    while (p_ != end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '.' || *p_ == 'e' || *p_ == 'E' || *p_ == '+' || *p_ == '-')) ++p_;
    if (p_ == digits) return bad("unexpected token");
    out.assign(start, p_);
    return true;
  }

  int hex4() {
    if (end_ - p_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return -1;
    }
    return v;
  }

  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool string(std::string& out) {
    ++p_;
    for (;;) {
      if (p_ == end_) return bad("unterminated string");
      char c = *p_++;
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return bad("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p_ == end_) return bad("unterminated string");
      switch (char e = *p_++) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          int cp = hex4();
          if (cp < 0) return bad("bad \\u escape");
          if (cp >= 0xD800 && cp < 0xDC00) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return bad("lone surrogate");
            p_ += 2;
            int lo = hex4();
            if (lo < 0xDC00 || lo >= 0xE000) return bad("lone surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            return bad("lone surrogate");
          }
          // A NUL would silently cut a path or argument short at the syscall.
          if (cp == 0) return bad("NUL character in string");
          utf8(out, cp);
          break;
        }
        default: return bad("bad escape");
      }
    }
  }
};

// Maps JSON onto the struct; the first error wins and names the member's JSON pointer.
class Reader {
 public:
  explicit Reader(std::string& error) : error_(error) {}

  bool failed() const { return !error_.empty(); }

  static const Json* get(const Json& obj, const char* key) {
    for (auto& m : obj.members)
      if (m.first == key) {
        m.second.read = true;
        return &m.second;
      }
    return nullptr;
  }

  // The first member under `v` that nothing read: the two sides of the plan disagree.
  bool unread(const Json& v, const std::string& ptr) {
    for (auto& m : v.members) {
      if (!m.second.read) return wrong(ptr + "/" + m.first, "not read by tdrun-init (src/plan-types.ts and addon/init/plan.cc disagree)");
      if (!unread(m.second, ptr + "/" + m.first)) return false;
    }
    for (size_t i = 0; i < v.items.size(); ++i)
      if (!unread(v.items[i], ptr + "/" + std::to_string(i))) return false;
    return true;
  }

  bool wrong(const std::string& ptr, const char* why) {
    if (error_.empty()) error_ = "plan: " + (ptr.empty() ? std::string("/") : ptr) + ": " + why;
    return false;
  }

  // Each reader returns false when the member is absent (out untouched) or wrong (error set).
  bool object(const Json* v, const std::string& ptr) {
    if (!v || v->type == Json::Null) return false;
    return v->type == Json::Object || wrong(ptr, "not an object");
  }

  bool str(const Json& obj, const char* key, std::string& out, const std::string& ptr) {
    const Json* v = get(obj, key);
    if (!v) return false;
    if (v->type != Json::String) return wrong(ptr + "/" + key, "not a string");
    out = v->text;
    return true;
  }

  // A string that may be null: returns true and sets `present` accordingly.
  bool optStr(const Json& obj, const char* key, std::string& out, bool& present, const std::string& ptr) {
    const Json* v = get(obj, key);
    present = false;
    if (!v || v->type == Json::Null) return true;
    if (v->type != Json::String) return wrong(ptr + "/" + key, "not a string");
    out = v->text;
    present = true;
    return true;
  }

  bool boolean(const Json& obj, const char* key, bool& out, const std::string& ptr) {
    const Json* v = get(obj, key);
    if (!v) return false;
    if (v->type != Json::Bool) return wrong(ptr + "/" + key, "not a boolean");
    out = v->boolean;
    return true;
  }

  // Exact integer parsing of a number literal: no fractions, no exponents, range-checked.
  bool integer(const Json& v, int64_t min, uint64_t max, uint64_t& out, bool& negative, const std::string& ptr) {
    if (v.type != Json::Number) return wrong(ptr, "not a number");
    const std::string& t = v.text;
    negative = !t.empty() && t[0] == '-';
    const char* digits = t.c_str() + (negative ? 1 : 0);
    if (!*digits || strspn(digits, "0123456789") != strlen(digits)) return wrong(ptr, "not an integer");
    errno = 0;
    unsigned long long n = strtoull(digits, nullptr, 10);
    if (errno == ERANGE) return wrong(ptr, "out of range");
    if (negative ? (min >= 0 || n > static_cast<uint64_t>(-(min + 1)) + 1) : n > max) return wrong(ptr, "out of range");
    out = n;
    return true;
  }

  template <typename T>
  bool num(const Json& v, T& out, const std::string& ptr, int64_t min, uint64_t max) {
    uint64_t n = 0;
    bool negative = false;
    if (!integer(v, min, max, n, negative, ptr)) return false;
    out = negative ? static_cast<T>(-static_cast<int64_t>(n)) : static_cast<T>(n);
    return true;
  }

  template <typename T>
  bool num(const Json& obj, const char* key, T& out, const std::string& ptr, int64_t min, uint64_t max) {
    const Json* v = get(obj, key);
    if (!v) return false;
    return num(*v, out, ptr + "/" + key, min, max);
  }

  // An array of scalars: read(element, item, pointer) reads each one, false on a wrong one.
  template <typename T, typename Read>
  bool scalars(const Json& obj, const char* key, std::vector<T>& out, const std::string& ptr, Read read) {
    const Json* v = get(obj, key);
    if (!v || v->type == Json::Null) return false;
    std::string p = ptr + "/" + key;
    if (v->type != Json::Array) return wrong(p, "not an array");
    out.clear();
    for (size_t i = 0; i < v->items.size(); ++i) {
      T item{};
      if (!read(v->items[i], item, p + "/" + std::to_string(i))) return false;
      out.push_back(item);
    }
    return true;
  }

  bool strings(const Json& obj, const char* key, std::vector<std::string>& out, const std::string& ptr) {
    return scalars(obj, key, out, ptr, [this](const Json& v, std::string& s, const std::string& p) {
      if (v.type != Json::String) return wrong(p, "not a string");
      s = v.text;
      return true;
    });
  }

  template <typename T>
  bool numbers(const Json& obj, const char* key, std::vector<T>& out, const std::string& ptr, int64_t min, uint64_t max) {
    return scalars(obj, key, out, ptr, [&](const Json& v, T& n, const std::string& p) { return num(v, n, p, min, max); });
  }

  // For each element of an array of objects, calls fn(element, pointer).
  template <typename Fn>
  void each(const Json& obj, const char* key, const std::string& ptr, Fn fn) {
    const Json* v = get(obj, key);
    if (!v || v->type == Json::Null) return;
    std::string p = ptr + "/" + key;
    if (v->type != Json::Array) {
      wrong(p, "not an array");
      return;
    }
    for (size_t i = 0; i < v->items.size() && !failed(); ++i) {
      std::string ip = p + "/" + std::to_string(i);
      if (v->items[i].type != Json::Object) {
        wrong(ip, "not an object");
        return;
      }
      fn(v->items[i], ip);
    }
  }

  bool decimal(const Json& obj, const char* key, uint64_t& out, const std::string& ptr) {
    std::string s;
    if (!str(obj, key, s, ptr)) return false;
    if (s.empty() || strspn(s.c_str(), "0123456789") != s.size()) return wrong(ptr + "/" + key, "not a decimal string");
    errno = 0;
    out = strtoull(s.c_str(), nullptr, 10);
    if (errno == ERANGE) return wrong(ptr + "/" + key, "out of range");
    return true;
  }

 private:
  std::string& error_;
};

constexpr int64_t kIntMin = -2147483648LL;
constexpr uint64_t kIntMax = 2147483647ULL;
constexpr uint64_t kU32Max = 4294967295ULL;
constexpr uint64_t kU64Max = ~0ULL;
constexpr uint64_t kMaxCpuOrNode = 8191;  // src/spec/rules.ts's bound for cpu and node lists

void readHook(Reader& r, const Json& j, const std::string& ptr, std::vector<Hook>& out) {
  Hook h;
  r.str(j, "path", h.path, ptr);
  r.strings(j, "args", h.args, ptr);
  r.strings(j, "env", h.env, ptr);
  r.num(j, "timeout", h.timeout, ptr, 0, kIntMax);
  if (!r.failed() && h.path.empty()) r.wrong(ptr + "/path", "missing");
  out.push_back(std::move(h));
}

void readProcess(Reader& r, const Json& j, Process& p) {
  const std::string ptr = "/process";
  r.strings(j, "args", p.args, ptr);
  r.strings(j, "env", p.env, ptr);
  r.str(j, "cwd", p.cwd, ptr);
  r.num(j, "uid", p.uid, ptr, 0, kU32Max);
  r.num(j, "gid", p.gid, ptr, 0, kU32Max);
  if (const Json* u = Reader::get(j, "umask"); u && u->type != Json::Null)
    p.hasUmask = r.num(*u, p.umask, ptr + "/umask", 0, 0777);
  r.numbers(j, "additionalGids", p.additionalGids, ptr, 0, kU32Max);
  r.boolean(j, "terminal", p.terminal, ptr);
  if (const Json* cs = Reader::get(j, "consoleSize"); r.object(cs, ptr + "/consoleSize")) {
    p.hasConsoleSize = true;
    r.num(*cs, "height", p.consoleHeight, ptr + "/consoleSize", 0, 65535);
    r.num(*cs, "width", p.consoleWidth, ptr + "/consoleSize", 0, 65535);
  }
  if (const Json* c = Reader::get(j, "capabilities"); r.object(c, ptr + "/capabilities")) {
    p.hasCapabilities = true;
    std::string cp = ptr + "/capabilities";
    // capset(2) v3 carries 64 bits per set.
    r.numbers(*c, "bounding", p.capabilities.bounding, cp, 0, 63);
    r.numbers(*c, "effective", p.capabilities.effective, cp, 0, 63);
    r.numbers(*c, "inheritable", p.capabilities.inheritable, cp, 0, 63);
    r.numbers(*c, "permitted", p.capabilities.permitted, cp, 0, 63);
    r.numbers(*c, "ambient", p.capabilities.ambient, cp, 0, 63);
  }
  r.each(j, "rlimits", ptr, [&](const Json& e, const std::string& ep) {
    Rlimit l;
    r.num(e, "type", l.type, ep, 0, kIntMax);
    r.decimal(e, "soft", l.soft, ep);
    r.decimal(e, "hard", l.hard, ep);
    p.rlimits.push_back(l);
  });
  r.boolean(j, "noNewPrivileges", p.noNewPrivileges, ptr);
  if (const Json* o = Reader::get(j, "oomScoreAdj"); o && o->type != Json::Null)
    p.hasOomScoreAdj = r.num(*o, p.oomScoreAdj, ptr + "/oomScoreAdj", -1000, 1000);
  if (const Json* o = Reader::get(j, "ioPriority"); o && o->type != Json::Null)
    p.hasIoPriority = r.num(*o, p.ioPriority, ptr + "/ioPriority", 0, kIntMax);
  if (const Json* o = Reader::get(j, "personality"); o && o->type != Json::Null)
    p.hasPersonality = r.num(*o, p.personality, ptr + "/personality", 0, 0xffffffffUL);
  if (const Json* s = Reader::get(j, "scheduler"); r.object(s, ptr + "/scheduler")) {
    p.hasScheduler = true;
    const std::string sp = ptr + "/scheduler";
    r.num(*s, "policy", p.scheduler.policy, sp, 0, kU32Max);
    r.num(*s, "flags", p.scheduler.flags, sp, 0, kU32Max);
    r.num(*s, "nice", p.scheduler.nice, sp, -20, 19);
    r.num(*s, "priority", p.scheduler.priority, sp, 0, kU32Max);
    r.decimal(*s, "runtime", p.scheduler.runtime, sp);
    r.decimal(*s, "deadline", p.scheduler.deadline, sp);
    r.decimal(*s, "period", p.scheduler.period, sp);
  }
  r.numbers(j, "cpuAffinityInitial", p.cpuAffinityInitial, ptr, 0, kMaxCpuOrNode);
  r.numbers(j, "cpuAffinityFinal", p.cpuAffinityFinal, ptr, 0, kMaxCpuOrNode);
  if (const Json* m = Reader::get(j, "memoryPolicy"); r.object(m, ptr + "/memoryPolicy")) {
    p.hasMemoryPolicy = true;
    r.num(*m, "mode", p.memoryPolicyMode, ptr + "/memoryPolicy", 0, kIntMax);
    r.numbers(*m, "nodes", p.memoryPolicyNodes, ptr + "/memoryPolicy", 0, kMaxCpuOrNode);
  }
  r.each(j, "execLabels", ptr, [&](const Json& e, const std::string& ep) {
    ExecLabel l;
    r.str(e, "file", l.file, ep);
    r.str(e, "label", l.label, ep);
    if (!r.failed() && l.file != "exec" && l.file != "apparmor/exec") r.wrong(ep + "/file", "not an LSM exec attribute");
    p.execLabels.push_back(std::move(l));
  });
  if (!r.failed() && p.args.empty()) r.wrong(ptr + "/args", "must not be empty");
}

void readMount(Reader& r, const Json& j, const std::string& ptr, std::vector<Mount>& out) {
  Mount m;
  r.str(j, "destination", m.destination, ptr);
  r.str(j, "source", m.source, ptr);
  r.str(j, "type", m.type, ptr);
  r.str(j, "data", m.data, ptr);
  r.boolean(j, "bind", m.bind, ptr);
  r.boolean(j, "recursive", m.recursive, ptr);
  r.num(j, "flags", m.flags, ptr, 0, kU64Max);
  r.numbers(j, "propagation", m.propagation, ptr, 0, kU64Max);
  r.num(j, "recursiveAttrSet", m.recursiveAttrSet, ptr, 0, kU64Max);
  r.num(j, "recursiveAttrClear", m.recursiveAttrClear, ptr, 0, kU64Max);
  r.boolean(j, "copyUp", m.copyUp, ptr);
  r.str(j, "idmapUids", m.idmapUids, ptr);
  r.str(j, "idmapGids", m.idmapGids, ptr);
  r.boolean(j, "idmapRecursive", m.idmapRecursive, ptr);
  if (!r.failed() && !m.idmapUids.empty() && (!m.bind || m.idmapGids.empty())) r.wrong(ptr + "/idmapUids", "only for a bind mount, with idmapGids");
  std::string createAs;
  if (r.str(j, "createAs", createAs, ptr)) {
    if (createAs == "file") m.createAsFile = true;
    else if (createAs != "dir") r.wrong(ptr + "/createAs", "must be \"dir\" or \"file\"");
  }
  if (!r.failed() && (m.destination.empty() || m.destination[0] != '/')) r.wrong(ptr + "/destination", "not an absolute path");
  out.push_back(std::move(m));
}

void readDevice(Reader& r, const Json& j, const std::string& ptr, std::vector<Device>& out) {
  Device d;
  r.str(j, "path", d.path, ptr);
  std::string type;
  if (r.str(j, "type", type, ptr)) {
    if (type.size() != 1 || !strchr("cbpu", type[0])) r.wrong(ptr + "/type", "must be one of c, b, p, u");
    else d.type = type[0];
  }
  r.num(j, "major", d.major, ptr, INT64_MIN, INT64_MAX);
  r.num(j, "minor", d.minor, ptr, INT64_MIN, INT64_MAX);
  r.num(j, "mode", d.mode, ptr, 0, 07777);
  r.num(j, "uid", d.uid, ptr, 0, kU32Max);
  r.num(j, "gid", d.gid, ptr, 0, kU32Max);
  out.push_back(std::move(d));
}

void readSeccomp(Reader& r, const Json& j, Seccomp& s) {
  const std::string ptr = "/seccomp";
  r.num(j, "defaultAction", s.defaultAction, ptr, 0, kU32Max);
  r.strings(j, "architectures", s.architectures, ptr);
  r.num(j, "flags", s.flags, ptr, 0, kU32Max);
  r.each(j, "rules", ptr, [&](const Json& e, const std::string& ep) {
    SeccompRule rule;
    r.strings(e, "names", rule.names, ep);
    r.num(e, "action", rule.action, ep, 0, kU32Max);
    r.each(e, "args", ep, [&](const Json& a, const std::string& ap) {
      SeccompArg arg;
      r.num(a, "index", arg.index, ap, 0, 5);
      r.decimal(a, "value", arg.value, ap);
      r.decimal(a, "valueTwo", arg.valueTwo, ap);
      r.num(a, "op", arg.op, ap, 1, 7);
      rule.args.push_back(arg);
    });
    s.rules.push_back(std::move(rule));
  });
  bool hasListener;
  r.optStr(j, "listenerPath", s.listenerPath, hasListener, ptr);
  r.str(j, "listenerMessageHead", s.listenerMessageHead, ptr);
  if (const Json* cache = Reader::get(j, "cache"); r.object(cache, ptr + "/cache")) {
    r.str(*cache, "key", s.cacheKey, ptr + "/cache");
    std::string fd;
    r.str(*cache, "fd", fd, ptr + "/cache");
    if (fd == "program") s.cacheFd = Seccomp::CacheFd::Program;
    else if (fd == "directory") s.cacheFd = Seccomp::CacheFd::Directory;
    else if (!r.failed()) r.wrong(ptr + "/cache/fd", "must be \"program\" or \"directory\"");
    if (!r.failed() && s.cacheKey.empty()) r.wrong(ptr + "/cache/key", "empty");
  }
  if (!r.failed() && hasListener && (s.listenerPath.empty() || s.listenerPath[0] != '/'))
    r.wrong(ptr + "/listenerPath", "not an absolute path");
}

void readPlan(Reader& r, const Json& root, Plan& p) {
  if (root.type != Json::Object) {
    r.wrong("", "not an object");
    return;
  }
  const std::string top;
  std::string mode;
  r.str(root, "mode", mode, top);
  if (mode == "exec") p.execMode = true;
  else if (mode != "create" && !r.failed()) r.wrong("/mode", "must be \"create\" or \"exec\"");
  r.str(root, "id", p.id, top);
  r.num(root, "newNamespaces", p.newNamespaces, top, kIntMin, kIntMax);
  r.each(root, "joinNamespaces", top, [&](const Json& e, const std::string& ep) {
    NamespaceJoin n;
    r.num(e, "type", n.type, ep, kIntMin, kIntMax);
    r.str(e, "path", n.path, ep);
    p.joinNamespaces.push_back(std::move(n));
  });
  r.strings(root, "timeOffsets", p.timeOffsets, top);
  r.boolean(root, "becomeRootInUserns", p.becomeRootInUserns, top);
  r.num(root, "preserveFds", p.preserveFds, top, 0, kIntMax - 3);
  bool present;
  r.optStr(root, "consoleSocket", p.consoleSocket, present, top);
  r.num(root, "consoleSocketFd", p.consoleSocketFd, top, -1, kIntMax);

  if (const Json* proc = Reader::get(root, "process"); proc && proc->type == Json::Null && !p.execMode) {
    p.hasProcess = false;
    p.process.cwd = "/";
  } else if (r.object(proc, "/process")) {
    readProcess(r, *proc, p.process);
  } else if (!r.failed()) {
    r.wrong("/process", "missing");
  }
  r.strings(root, "cgroupsV1", p.cgroupsV1, top);
  bool hasCgroupV2;
  r.optStr(root, "cgroupV2", p.cgroupV2, hasCgroupV2, top);
  r.str(root, "resctrlTasks", p.resctrlTasks, top);

  r.str(root, "rootfs", p.rootfs, top);
  r.boolean(root, "rootfsReadonly", p.rootfsReadonly, top);
  r.num(root, "rootfsPropagation", p.rootfsPropagation, top, 0, kU64Max);
  r.boolean(root, "noPivot", p.noPivot, top);
  r.each(root, "mounts", top, [&](const Json& e, const std::string& ep) { readMount(r, e, ep, p.mounts); });
  r.each(root, "devices", top, [&](const Json& e, const std::string& ep) { readDevice(r, e, ep, p.devices); });
  r.boolean(root, "bindDevices", p.bindDevices, top);
  r.boolean(root, "defaultDevSymlinks", p.defaultDevSymlinks, top);
  r.strings(root, "maskedPaths", p.maskedPaths, top);
  r.strings(root, "readonlyPaths", p.readonlyPaths, top);
  r.optStr(root, "hostname", p.hostname, p.hasHostname, top);
  r.optStr(root, "domainname", p.domainname, p.hasDomainname, top);
  r.each(root, "sysctl", top, [&](const Json& e, const std::string& ep) {
    std::pair<std::string, std::string> kv;
    r.str(e, "key", kv.first, ep);
    r.str(e, "value", kv.second, ep);
    p.sysctl.push_back(std::move(kv));
  });
  r.str(root, "execFifo", p.execFifo, top);
  r.boolean(root, "newSessionKeyring", p.newSessionKeyring, top);
  r.boolean(root, "syncHooks", p.syncHooks, top);
  if (const Json* hooks = Reader::get(root, "hooks"); r.object(hooks, "/hooks")) {
    r.each(*hooks, "createContainer", "/hooks", [&](const Json& e, const std::string& ep) { readHook(r, e, ep, p.createContainerHooks); });
    r.each(*hooks, "startContainer", "/hooks", [&](const Json& e, const std::string& ep) { readHook(r, e, ep, p.startContainerHooks); });
  }
  if (const Json* sc = Reader::get(root, "seccomp"); r.object(sc, "/seccomp")) {
    p.hasSeccomp = true;
    readSeccomp(r, *sc, p.seccomp);
  }
  if (r.failed()) return;

  // Cross-field rules: what the init would otherwise have to guess at.
  if (!p.execMode) {
    if (p.rootfs.empty() || p.rootfs[0] != '/') r.wrong("/rootfs", "not an absolute path");
    else if (!p.execFifo.empty() && p.execFifo[0] != '/') r.wrong("/execFifo", "not an absolute path");
    else {
      // Without a mount namespace of its own, the rootfs work would rearrange the host's mounts.
      if (!p.hasNamespace(CLONE_NEWNS)) r.wrong("/newNamespaces", "a container needs a mount namespace");
    }
  }
  // createContainer/startContainer hooks read the state JSON that only RuntimeHooksDone carries.
  if (!r.failed() && !p.syncHooks && (p.createContainerHooks.size() || p.startContainerHooks.size()))
    r.wrong("/syncHooks", "must be true when the plan has createContainer or startContainer hooks");
  if (!r.failed() && (p.process.cwd.empty() || p.process.cwd[0] != '/')) r.wrong("/process/cwd", "not an absolute path");
  for (size_t i = 0; !r.failed() && i < p.cgroupsV1.size(); ++i)
    if (p.cgroupsV1[i].empty() || p.cgroupsV1[i][0] != '/') r.wrong("/cgroupsV1/" + std::to_string(i), "not an absolute path");
  if (!r.failed() && !p.cgroupV2.empty() && p.cgroupV2[0] != '/') r.wrong("/cgroupV2", "not an absolute path");
  // Without a UTS namespace of its own, sethostname would rename the host.
  if (!r.failed() && (p.hasHostname || p.hasDomainname) && !p.hasNamespace(CLONE_NEWUTS))
    r.wrong(p.hasHostname ? "/hostname" : "/domainname", "needs a UTS namespace");
  if (!r.failed() && p.timeOffsets.size() && !(p.newNamespaces & CLONE_NEWTIME))
    r.wrong("/timeOffsets", "needs a new time namespace");
}

}  // namespace

bool parse(const std::string& json, Plan& out, std::string& error) {
  error.clear();
  Json root;
  if (!Parser(json).document(root, error)) return false;
  Reader r(error);
  readPlan(r, root, out);
  if (!r.failed()) r.unread(root, "");
  return !r.failed();
}

}  // namespace plan
