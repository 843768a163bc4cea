// What the C++ unit tests share: a check that counts and names each failure.
#pragma once
#include <cstdio>
#include <string>

namespace test {

inline int failures = 0;

inline void check(bool ok, const std::string& what) {
  if (!ok) {
    failures++;
    std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  }
}

}  // namespace test
