#pragma once
// Plain words for every way a WAGMIOS call can fail.
#include <string>
#include <string_view>

#include "wagbot/core/grammar.hpp"
#include "wagbot/core/reply.hpp"
#include "wagbot/protocol/error.hpp"

namespace wagbot::core {

/// The scope named in a SCOPE_REQUIRED message ("containers:write scope required").
std::string scope_from_message(std::string_view message);

/// What to tell the user when a call to `host` failed; its code is the server's (when
/// documented) or the failure's kind.
chat_reply describe_error(const error& failure, std::string_view host);

/// The reply code that names a kind of failure ("HOST_UNREACHABLE", "TIMEOUT", …).
reply_code reply_code_of(errc kind);

/// The reply for a line that is not a valid command: the message and the usage.
chat_reply usage_reply(const parse_error& error);

}  // namespace wagbot::core
