// Unit test of addon/init/sha256.cc against FIPS 180-4's examples and a million-byte message,
// run by ctest.
#include "init/sha256.h"

#include <cstdio>
#include <string>

namespace {

int failures = 0;

void expect(const std::string& message, const std::string& digest, size_t chunk) {
  sha256::Hasher h;
  for (size_t i = 0; i < message.size(); i += chunk) h.update(message.substr(i, chunk));
  std::string got = h.hexDigest();
  if (got != digest) {
    failures++;
    std::fprintf(stderr, "FAIL: %zu bytes in chunks of %zu: %s, want %s\n", message.size(), chunk, got.c_str(), digest.c_str());
  }
}

}  // namespace

int main() {
  for (size_t chunk : {1, 3, 64, 1000}) {
    expect("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", chunk);
    expect("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", chunk);
    expect("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", chunk);
    expect(std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", chunk);
  }
  if (failures) return 1;
  std::puts("sha256: all passed");
  return 0;
}
