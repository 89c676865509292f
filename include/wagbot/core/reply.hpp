#pragma once
// A reply as structure (text, tables, code), rendered by each transport in its own way: plain
// text for the shell, HTML for Matrix, markdown and embeds for Discord.
#include <string>
#include <vector>

namespace wagbot::core {

enum class tone { info, success, warning, error };

struct table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

struct block {
  enum class kind { text, table, code } type = kind::text;
  std::string text;  ///< text or code
  std::string lang;  ///< code: a language tag; such a block is shown fenced even in plain text
  table grid;        ///< when type == table
};

struct chat_reply {
  tone mood = tone::info;
  std::vector<block> blocks;
  bool is_private = false;        ///< keys, scopes, errors: ephemeral where the network can
  std::string confirmation_id;    ///< set when this reply asks for a confirmation
  std::vector<std::string> mentions;  ///< wagbot user names to notify (e.g. approvers)
  std::string error_code;       ///< machine-readable reason of an error (SCOPE_REQUIRED, …)

  chat_reply& text(std::string t);
  chat_reply& code(std::string t, std::string lang = {});
  chat_reply& add_table(table t);
  /// Every block as plain text (what `shell` prints and what tests read).
  std::string plain() const;
};

/// One-line replies.
chat_reply say(tone mood, std::string text);
inline chat_reply error_reply(std::string text) { return say(tone::error, std::move(text)); }
inline chat_reply ok_reply(std::string text) { return say(tone::success, std::move(text)); }

/// Renders a table as aligned columns of monospace text.
std::string render_table_plain(const table& t);

}  // namespace wagbot::core
