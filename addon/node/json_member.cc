#include "json_member.h"

namespace json_member {
namespace {

// Deeper than any config: past it the scanner gives up rather than recurse further (JSON.parse
// itself has no such limit, so giving up is the only safe answer).
constexpr size_t kMaxDepth = 256;

class Scanner {
 public:
  Scanner(std::u16string_view text, const std::vector<std::u16string_view>& path)
      : text_(text), path_(path), found_(path.size()) {}

  std::optional<std::vector<std::optional<Span>>> run() {
    space();
    if (!peek(u'{') || !object(0, true)) return std::nullopt;
    space();
    if (at_ != text_.size() || unsure_) return std::nullopt;
    return found_;
  }

 private:
  bool peek(char16_t c) const { return at_ < text_.size() && text_[at_] == c; }

  void space() {
    while (at_ < text_.size() && (text_[at_] == u' ' || text_[at_] == u'\t' || text_[at_] == u'\n' || text_[at_] == u'\r')) ++at_;
  }

  bool literal(std::u16string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  bool digits() {
    size_t from = at_;
    while (at_ < text_.size() && text_[at_] >= u'0' && text_[at_] <= u'9') ++at_;
    return at_ > from;
  }

  bool number() {
    if (peek(u'-')) ++at_;
    if (peek(u'0'))
      ++at_;
    else if (!digits())
      return false;
    if (peek(u'.')) {
      ++at_;
      if (!digits()) return false;
    }
    if (peek(u'e') || peek(u'E')) {
      ++at_;
      if (peek(u'+') || peek(u'-')) ++at_;
      if (!digits()) return false;
    }
    return true;
  }

  static bool hex(char16_t c) { return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F'); }

  // A string at a '"'; `escaped` says whether it had an escape.
  bool string(bool& escaped) {
    escaped = false;
    const char16_t* p = text_.data() + at_ + 1;
    const char16_t* end = text_.data() + text_.size();
    for (;;) {
      // the plain run of characters first: most of a config is names and paths
      while (p < end && *p != u'"' && *p != u'\\' && *p >= 0x20) ++p;
      if (p == end || *p < 0x20) return false;
      if (*p == u'"') {
        at_ = static_cast<size_t>(p + 1 - text_.data());
        return true;
      }
      escaped = true;
      if (++p == end) return false;
      if (*p == u'u') {
        for (int i = 0; i < 4; ++i)
          if (++p == end || !hex(*p)) return false;
      } else if (std::u16string_view(u"\"\\/bfnrt").find(*p) == std::u16string_view::npos) {
        return false;
      }
      ++p;
    }
  }

  bool value(size_t depth) {
    if (at_ >= text_.size()) return false;
    bool escaped;
    switch (text_[at_]) {
      case u'{': return object(depth, false);
      case u'[': return array(depth);
      case u'"': return string(escaped);
      case u't': return literal(u"true");
      case u'f': return literal(u"false");
      case u'n': return literal(u"null");
      default: return number();
    }
  }

  bool array(size_t depth) {
    if (depth >= kMaxDepth) return false;
    ++at_;
    space();
    if (peek(u']')) return ++at_, true;
    for (;;) {
      if (!value(depth + 1)) return false;
      space();
      if (peek(u']')) return ++at_, true;
      if (!peek(u',')) return false;
      ++at_;
      space();
    }
  }

  // An object at a '{'. `onPath`: it is where path_[depth] is looked up.
  bool object(size_t depth, bool onPath) {
    if (depth >= kMaxDepth) return false;
    ++at_;
    space();
    if (peek(u'}')) return ++at_, true;
    for (;;) {
      if (!peek(u'"')) return false;
      size_t keyBegin = at_ + 1;
      bool escaped;
      if (!string(escaped)) return false;
      std::u16string_view key = text_.substr(keyBegin, at_ - 1 - keyBegin);
      space();
      if (!peek(u':')) return false;
      ++at_;
      space();
      if (onPath && escaped) unsure_ = true;
      if (onPath && !escaped && key == path_[depth]) {
        // a later duplicate replaces the earlier one whole, whatever that held
        for (size_t i = depth; i < found_.size(); ++i) found_[i].reset();
        size_t begin = at_;
        bool descend = depth + 1 < path_.size() && peek(u'{');
        if (!(descend ? object(depth + 1, true) : value(depth + 1))) return false;
        found_[depth] = Span{begin, at_};
      } else if (!value(depth + 1)) {
        return false;
      }
      space();
      if (peek(u'}')) return ++at_, true;
      if (!peek(u',')) return false;
      ++at_;
      space();
    }
  }

  std::u16string_view text_;
  const std::vector<std::u16string_view>& path_;
  size_t at_ = 0;
  bool unsure_ = false;
  std::vector<std::optional<Span>> found_;
};

}  // namespace

std::optional<std::vector<std::optional<Span>>> find(std::u16string_view text, const std::vector<std::u16string_view>& path) {
  if (path.empty()) return std::nullopt;
  return Scanner(text, path).run();
}

}  // namespace json_member
