#pragma once
// Natural-language requests, deterministic (no model): "what's running on the nas?",
// "restart nginx on the media server", "make sure nginx is running on the NAS",
// "install jellyfin on the media server and make sure nginx is running on the NAS".
// Each clause becomes the action a typed command would; when a sentence is ambiguous the
// answer is a clarifying question, never a guess.
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
