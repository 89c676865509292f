#pragma once
// The one redaction helper: every log line and echoed text passes through it.
#include <string>
#include <string_view>

#include "wagbot/core/reply.hpp"

namespace wagbot::core {

/// Replaces every `wag_live_…` key with `wag_live_…<last 4>` and every secret given in
/// `also` (tokens, passwords) with `***`.
std::string redact(std::string_view text, std::string_view also = {});

/// The reply with every key in its text, code and tables redacted: the one step every outgoing
/// reply, prompt, edit and alert passes through.
chat_reply redacted(chat_reply reply);

/// True when `text` contains something shaped like a WAGMIOS key.
bool contains_key(std::string_view text);

/// True when `text` is exactly a well-formed key: `wag_live_` + 44 base64url chars (with `=`).
bool is_key(std::string_view text);

}  // namespace wagbot::core
