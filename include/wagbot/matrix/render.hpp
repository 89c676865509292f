#pragma once
// chat_reply → m.text (answers) or m.notice (alerts) content: HTML (tables, code blocks) with a
// readable plain body, m.mentions always present, and output kept well under the 64 KiB event
// limit.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wagbot/core/reply.hpp"

namespace wagbot::matrix {

/// Escapes text for HTML element content and attributes.
std::string html_escape(std::string_view text);

/// Text between backticks becomes <code>; everything else is escaped.
std::string inline_html(std::string_view text);

/// How a message is sent: an answer to someone (m.text, as a person would write it) or a
/// message nobody asked for (m.notice: alerts, automatic warnings; other bots ignore those).
enum class message_kind { answer, notice };

/// A table as a list, one item a row, readable at phone width and without a monospace font:
/// "nginx — ● running · nginx:alpine · 8080→80", or "name: nginx" for a two-column table.
std::string table_list_html(const core::table& t);
std::string table_list_plain(const core::table& t);

/// The message content for a reply. `mention_ids` are Matrix user ids to notify.
/// Output past `max_bytes` (HTML and body each) is cut with a note saying so.
nlohmann::json render(const core::chat_reply& reply,
                      const std::vector<std::string>& mention_ids = {},
                      std::size_t max_bytes = 24 * 1024, message_kind kind = message_kind::answer);

}  // namespace wagbot::matrix
