#pragma once
// Natural-language requests, deterministic (no model): "what's running on the nas?",
// "restart nginx on the media server", "make sure nginx is running on the NAS",
// "install jellyfin on the media server and make sure nginx is running on the NAS".
// Each clause becomes the action a typed command would; when a sentence is ambiguous the
// answer is a clarifying question, never a guess.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/core/action.hpp"
#include "wagbot/core/grammar.hpp"

namespace wagbot::core {

/// A host and the words people use for it ("the nas", "media server").
struct host_words {
  std::string alias;
  std::vector<std::string> words;
};

struct understanding {
  std::vector<action> actions;  ///< in the order the sentence gave them
  std::string question;         ///< set instead when the sentence is ambiguous
};

/// nullopt when the text is not a request this understands (then it is not natural language
/// for us, and the usual "unknown command" help applies).
std::optional<understanding> understand(std::string_view text, const std::vector<host_words>& hosts,
                                        const grammar& g);

}  // namespace wagbot::core

namespace wagbot::core {

/// How one line reads: a command, a plan from a sentence, a question, or a parse error.
struct reading {
  std::optional<action> command;      ///< a typed command
  std::optional<understanding> plan;  ///< a sentence: actions, or a question
  std::optional<parse_error> error;   ///< neither: the usage help to show
};

/// The one order every reader of lines uses (dispatcher, explain): a compound sentence is read
/// as language first; otherwise the grammar; then language for what is not a command (a line
/// that starts with a command word keeps its usage help). `hosts` is called only when
/// language is tried, since listing a user's hosts costs key decryption.
reading read_line(std::string_view text, const std::function<std::vector<host_words>()>& hosts,
                  const grammar& g);

}  // namespace wagbot::core
