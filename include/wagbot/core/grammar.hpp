#pragma once
// The text command grammar: `<command> [subcommand] args… [--opt v] [-p v] [@host | on host]`,
// checked against the command specs.
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <boost/system/result.hpp>

#include "wagbot/core/action.hpp"
#include "wagbot/core/command_spec.hpp"

namespace wagbot::core {

/// Why a line is not a valid command; `usage` is the help to show with it.
struct parse_error {
  std::string message;
  std::string usage;
  std::string command;  ///< the spec it was checked against, when known
};

/// A word of the line and where it started (for the verbatim tail of `template save`).
struct token {
  std::string text;
  std::size_t offset = 0;
  bool quoted = false;
};

/// `v` as one double-quoted word that tokenize() reads back whole (quotes and backslashes escaped).
std::string quote(const std::string& v);

/// Splits on white space; "double" and 'single' quotes group, backslash escapes in quotes.
std::vector<token> tokenize(std::string_view line);

class grammar {
 public:
  explicit grammar(std::vector<command_spec> specs);

  const std::vector<command_spec>& specs() const { return specs_; }
  /// By name or alias ("rm", "delete"); two-word names like "key add" too.
  const command_spec* find(std::string_view name) const;
  /// Parses one command line (prefix already removed).
  boost::system::result<action, parse_error> parse(std::string_view line) const;
  /// Command names close to `word`, for "did you mean".
  std::vector<std::string> suggest(std::string_view word) const;

 private:
  std::vector<command_spec> specs_;
};

}  // namespace wagbot::core

/// Formats a parse error like wagbot::error: its message, then its usage when there is one.
template <>
struct fmt::formatter<wagbot::core::parse_error> : fmt::formatter<std::string_view> {
  auto format(const wagbot::core::parse_error& e, fmt::format_context& ctx) const {
    const auto text = e.usage.empty() ? e.message : e.message + " (" + e.usage + ")";
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};
