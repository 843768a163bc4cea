// Unit test of addon/init/sha256.cc against FIPS 180-4's examples and a million-byte message,
// for each engine this CPU has, and of the engines against each other; run by ctest.
#include "init/sha256.h"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

int failures = 0;

const char* name(sha256::Engine engine) { return engine == sha256::Engine::portable ? "portable" : "SHA extensions"; }

std::string digest(sha256::Engine engine, const std::string& message, size_t chunk) {
  sha256::Hasher h(engine);
  for (size_t i = 0; i < message.size(); i += chunk) h.update(message.substr(i, chunk));
  return h.hexDigest();
}

void expect(sha256::Engine engine, const std::string& message, const std::string& digest, size_t chunk) {
  sha256::Hasher h(engine);
  for (size_t i = 0; i < message.size(); i += chunk) h.update(message.substr(i, chunk));
  std::string got = h.hexDigest();
  if (got != digest) {
    failures++;
    std::fprintf(stderr, "FAIL (%s): %zu bytes in chunks of %zu: %s, want %s\n", name(engine), message.size(), chunk, got.c_str(),
                 digest.c_str());
  }
}

}  // namespace

int main() {
  std::vector<sha256::Engine> engines{sha256::Engine::portable};
  if (sha256::fastest() == sha256::Engine::shaExtensions)
    engines.push_back(sha256::Engine::shaExtensions);
  else
    std::puts("sha256: this CPU has no SHA extensions: only the portable engine is tested");
  for (auto engine : engines) {
    for (size_t chunk : {1, 3, 64, 1000}) {
      expect(engine, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", chunk);
      expect(engine, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", chunk);
      expect(engine, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", chunk);
      expect(engine, std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", chunk);
    }
  }
  // every length across the first blocks, random bytes: the engines must agree
  if (engines.size() == 2) {
    std::mt19937 random(15);
    for (size_t length = 0; length < 600; ++length) {
      std::string message(length, '\0');
      for (char& c : message) c = static_cast<char>(random());
      size_t chunk = 1 + random() % 97;
      std::string portable = digest(sha256::Engine::portable, message, chunk);
      std::string extensions = digest(sha256::Engine::shaExtensions, message, chunk);
      if (portable != extensions) {
        failures++;
        std::fprintf(stderr, "FAIL: %zu random bytes: portable %s, SHA extensions %s\n", length, portable.c_str(), extensions.c_str());
      }
    }
  }
  if (failures) return 1;
  std::printf("sha256: all passed (%s)\n", engines.size() == 2 ? "portable and SHA extensions" : "portable");
  return 0;
}
