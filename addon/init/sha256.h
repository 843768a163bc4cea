// SHA-256 (FIPS 180-4), for naming the compiled seccomp filters cached under the state root
// (addon/seccomp_cache.cc, in the addon: loading node:crypto would cost Node about a millisecond).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace sha256 {

// How a block is compressed: the x86 SHA extensions (SHA-NI) take a tenth of the portable code's
// time, which is most of what naming a docker-sized profile costs a `run`.
enum class Engine { portable, shaExtensions };

// The fastest engine this CPU has.
Engine fastest();

class Hasher {
 public:
  explicit Hasher(Engine engine = fastest());
  void update(const void* data, size_t size);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // 64 lower-case hex digits; the hasher is spent afterwards.
  std::string hexDigest();

 private:
  void block(const uint8_t* p);
  Engine engine_;
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t used_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace sha256
