#include "wagbot/app/memory.hpp"

#include <malloc.h>

#include <fstream>
#include <string>

namespace wagbot::app {

namespace {

/// RssAnon from /proc/self/status in kB, or -1.
long resident_anonymous_kb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "RssAnon:" && status >> value) return value;
    status.ignore(256, '\n');
  }
  return -1;
}

}  // namespace

long release_free_memory() {
  const long before = resident_anonymous_kb();
  malloc_trim(0);
  const long after = resident_anonymous_kb();
  return before < 0 || after < 0 ? 0 : before - after;
}

}  // namespace wagbot::app
