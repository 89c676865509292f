// Giving free heap pages back to the kernel.
#include "wagbot/app/memory.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

// AddressSanitizer brings its own allocator; glibc's heap, which malloc_trim trims, is unused.
#if defined(__SANITIZE_ADDRESS__)
#define WAGBOT_OWN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WAGBOT_OWN_ALLOCATOR 1
#endif
#endif

#ifndef WAGBOT_OWN_ALLOCATOR
TEST_CASE("free chunks in the middle of the heap are given back") {
  // 8 MB in small blocks (below malloc's mmap threshold, so on the heap), all freed but the
  // last: the heap's top stays in use, so only malloc_trim can release what lies below it.
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 8 * 1024; ++i) {
    blocks.push_back(std::make_unique<char[]>(1000));
    blocks.back()[0] = 1;  // touched: resident
  }
  auto last = std::move(blocks.back());
  blocks.clear();
  blocks.shrink_to_fit();
  CHECK(wagbot::app::release_free_memory() >= 4 * 1024);
  CHECK(last[0] == 1);
}
#endif
