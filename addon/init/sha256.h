// SHA-256 (FIPS 180-4), for naming the compiled seccomp filters cached under the state root
// (addon/seccomp_cache.cc, in the addon: loading node:crypto would cost Node about a millisecond).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace sha256 {

class Hasher {
 public:
  Hasher();
  void update(const void* data, size_t size);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // 64 lower-case hex digits; the hasher is spent afterwards.
  std::string hexDigest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace sha256
