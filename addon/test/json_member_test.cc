// Unit test of addon/node/json_member.cc, run by ctest: the span of linux.seccomp in texts shaped
// as configs are, the last duplicate winning, and no answer wherever the text is not well-formed
// JSON or a key on the path is escaped. src/spec/load.test.ts checks the spans against
// JSON.parse itself over generated texts.
#include "node/json_member.h"

#include <string>

#include "test/check.h"

using test::check;

namespace {

const std::vector<std::u16string_view> kPath{u"linux", u"seccomp"};

// The text of linux.seccomp's span; "none" when it is not there, "no answer" when the scanner
// gives none.
std::u16string spanOf(std::u16string_view text) {
  auto spans = json_member::find(text, kPath);
  if (!spans) return u"no answer";
  auto& span = spans->back();
  return span ? std::u16string(text.substr(span->begin, span->end - span->begin)) : u"none";
}

std::string narrow(const std::u16string& s) { return std::string(s.begin(), s.end()); }

void expect(std::u16string_view text, std::u16string_view want) {
  std::u16string got = spanOf(text);
  check(got == want, narrow(std::u16string(text)) + ": got " + narrow(got) + ", want " + narrow(std::u16string(want)));
}

}  // namespace

int main() {
  // found, with what is around it skipped whatever it holds
  expect(u"{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"}}}", u"{\"defaultAction\":\"SCMP_ACT_ERRNO\"}");
  expect(u" {\n \"ociVersion\": \"1.2.0\",\r\n\t\"linux\" : { \"x\": [1, -2.5e+3, true, false, null, {\"seccomp\": 1}],"
         u" \"seccomp\" : {\"a\": \"}\\\"{\"} } , \"y\": \"\\u00e9\" } ",
         u"{\"a\": \"}\\\"{\"}");
  expect(u"{\"linux\":{\"seccomp\":{}}}", u"{}");
  // the span is whatever value the key has; the caller checks that it is an object
  expect(u"{\"linux\":{\"seccomp\":[1,2]}}", u"[1,2]");
  // non-ASCII text before the span: indices count UTF-16 units, as JavaScript does
  expect(u"{\"hostname\":\"h\u00e9\U0001F600\",\"linux\":{\"seccomp\":{\"n\":1}}}", u"{\"n\":1}");
  // the last duplicate wins, at each level; a later linux without seccomp leaves none
  expect(u"{\"linux\":{\"seccomp\":{\"n\":1},\"seccomp\":{\"n\":2}}}", u"{\"n\":2}");
  expect(u"{\"linux\":{\"seccomp\":{\"n\":1}},\"linux\":{\"seccomp\":{\"n\":3}}}", u"{\"n\":3}");
  expect(u"{\"linux\":{\"seccomp\":{\"n\":1}},\"linux\":{}}", u"none");
  expect(u"{\"linux\":{\"seccomp\":{\"n\":1}},\"linux\":null}", u"none");
  // every level's span, each within the one above it
  {
    std::u16string_view text = u"{\"linux\": {\"seccomp\": {\"syscalls\": [1], \"x\": 2}}, \"y\": 3}";
    auto spans = json_member::find(text, {u"linux", u"seccomp", u"syscalls"});
    auto at = [&](size_t i) { return spans && (*spans)[i] ? std::u16string(text.substr((*spans)[i]->begin, (*spans)[i]->end - (*spans)[i]->begin)) : u"none"; };
    check(at(0) == u"{\"seccomp\": {\"syscalls\": [1], \"x\": 2}}", "the linux level");
    check(at(1) == u"{\"syscalls\": [1], \"x\": 2}", "the seccomp level");
    check(at(2) == u"[1]", "the syscalls level");
    spans = json_member::find(u"{\"linux\": {\"seccomp\": {\"x\": 2}}}", {u"linux", u"seccomp", u"syscalls"});
    check(spans && (*spans)[1] && !(*spans)[2], "a profile without syscalls: its span, and none below it");
  }
  // not there, or under another key
  expect(u"{\"linux\":{}}", u"none");
  expect(u"{\"process\":{\"seccomp\":{}}}", u"none");
  expect(u"{\"seccomp\":{}}", u"none");
  // an escaped key on the path could spell it: no answer, whatever it spells
  expect(u"{\"\\u006cinux\":{\"seccomp\":{}}}", u"no answer");
  expect(u"{\"linux\":{\"seccomp\":{\"n\":1},\"secc\\u006fmp\":{\"n\":2}}}", u"no answer");
  expect(u"{\"linux\":{\"x\\n\":1,\"seccomp\":{}}}", u"no answer");
  // escapes off the path are fine
  expect(u"{\"process\":{\"x\\n\":1},\"linux\":{\"seccomp\":{\"\\u0041\":1}}}", u"{\"\\u0041\":1}");
  // not well-formed JSON
  for (std::u16string_view bad : {
           u"", u"[]", u"{\"linux\":{\"seccomp\":{}}", u"{\"linux\":{\"seccomp\":{}}} x", u"{\"linux\":{\"seccomp\":{},}}",
           u"{\"linux\":{\"seccomp\":{\"a\":01}}}", u"{\"linux\":{\"seccomp\":{\"a\":1.}}}", u"{\"linux\":{\"seccomp\":{\"a\":'x'}}}",
           u"{\"linux\":{\"seccomp\":{\"a\":\"\\x\"}}}", u"{\"linux\":{\"seccomp\":{\"a\":\"\\u12g4\"}}}",
           u"{\"linux\":{\"seccomp\":{\"a\":\"tab\there\"}}}", u"{\"linux\":{\"seccomp\":{\"a\":tru}}}",
           u"{\"linux\":{\"seccomp\":{\"a\" 1}}}", u"{\"linux\":{\"seccomp\":{a:1}}}", u"\u00a0{\"linux\":{\"seccomp\":{}}}",
           u"{\"linux\":{\"seccomp\":{\"a\":[1 2]}}}", u"{\"linux\":{\"seccomp\":{\"a\":\"unterminated}}}"})
    expect(bad, u"no answer");
  // deeper than the scanner goes: no answer rather than a crash
  std::u16string deep = u"{\"linux\":{\"seccomp\":{\"a\":" + std::u16string(100000, u'[') + std::u16string(100000, u']') + u"}}}";
  expect(deep, u"no answer");
  if (test::failures) return 1;
  std::puts("json-member: all passed");
  return 0;
}
