#pragma once
// Shared by the libFuzzer targets in this folder: the grammar the bot really runs with, and a
// check for invariants that aborts, so libFuzzer keeps the input that broke one.
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/commands.hpp"
#include "wagbot/core/grammar.hpp"

namespace wagbot::fuzz {

/// Every command spec from commands::all(), as the dispatcher and `explain` build it.
inline const core::grammar& real_grammar() {
  static const core::grammar g = [] {
    std::vector<core::command_spec> specs;
    for (const auto& c : commands::all()) specs.push_back(c.spec);
    return core::grammar(std::move(specs));
  }();
  return g;
}

/// The input as text (fuzz inputs are bytes; our parsers take strings).
inline std::string_view text_of(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void broken(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
  std::abort();
}

}  // namespace wagbot::fuzz

/// Aborts (a libFuzzer crash) when `cond` is false.
#define WAGBOT_FUZZ_CHECK(cond) \
  ((cond) ? void(0) : ::wagbot::fuzz::broken(#cond, __FILE__, __LINE__))
