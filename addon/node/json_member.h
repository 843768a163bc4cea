// Where a member's value lies in a JSON text, as JSON.parse reads it. tdrun names a compiled
// seccomp program by the text of config.json's linux.seccomp (src/seccomp-cache.ts): cutting
// that text out costs microseconds, where serializing the parsed profile again costs a docker-
// sized profile's `run` a tenth of a millisecond. No Node here, so that ctest can test it.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace json_member {

struct Span {
  size_t begin, end;  // [begin, end) in the text's UTF-16 code units, as JavaScript indexes a string
};

// The values along `path` (keys from the top object down): element i is the value of path[i]
// within that of path[i - 1], the last of duplicate keys winning as in JSON.parse; nullopt where a
// key is missing or its parent's value is not an object. nullopt for the whole when the text is not
// one well-formed JSON object, or when an object on the path has a key written with an escape (it
// could spell the key looked for: the caller then takes the slow way).
std::optional<std::vector<std::optional<Span>>> find(std::u16string_view text, const std::vector<std::u16string_view>& path);

}  // namespace json_member
