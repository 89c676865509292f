#pragma once
// The grammar of every command in commands/, as the bot builds it.
#include <vector>

#include "commands/commands.hpp"
#include "wagbot/core/grammar.hpp"

namespace wagbot::test {

inline core::grammar real_grammar() {
  std::vector<core::command_spec> specs;
  for (const auto& c : commands::all()) specs.push_back(c.spec);
  return core::grammar(specs);
}

}  // namespace wagbot::test
