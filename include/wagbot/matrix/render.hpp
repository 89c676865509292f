#pragma once
// chat_reply → m.notice content: HTML (tables, code blocks) with a readable plain body,
// m.mentions always present, and output kept well under the 64 KiB event limit.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wagbot/core/reply.hpp"

namespace wagbot::matrix {

/// Escapes text for HTML element content and attributes.
std::string html_escape(std::string_view text);

/// Text between backticks becomes <code>; everything else is escaped.
std::string inline_html(std::string_view text);

/// The message content for a reply. `mention_ids` are Matrix user ids to notify.
/// Output past `max_bytes` (HTML and body each) is cut with a note saying so.
nlohmann::json render(const core::chat_reply& reply,
                      const std::vector<std::string>& mention_ids = {},
                      std::size_t max_bytes = 24 * 1024);

}  // namespace wagbot::matrix
