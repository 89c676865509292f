#pragma once
// A reply as structure (text, tables, code), rendered by each transport in its own way: plain
// text for the shell, HTML for Matrix, markdown and embeds for Discord.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wagbot::core {

enum class tone { info, success, warning, error };

/// The machine-readable reason of an error reply; agents read its wire name (to_string) in
/// ```wagmios-result blocks. wagbot's own reasons, every documented WAGMIOS error code (a
/// server's code is passed on as is), and one per errc for failures with no server code.
enum class reply_code {
  none,  ///< no reason given (not an error, or an error agents see as "FAILED")
  // wagbot's own
  invalid_request,
  invalid_json,
  unknown_action,
  unknown_user,
  ambiguous,
  no_host,
  protected_container,
  planner_refused,
  scope_required,
  not_found,
  // WAGMIOS's (shared/reference/wagmios-api.md, "Error codes")
  setup_required,
  api_key_required,
  invalid_key,
  rate_limited,
  admin_required,
  scope_escalation,
  blocked_volume,
  path_forbidden,
  app_not_found,
  compose_not_found,
  invalid_tail,
  invalid_name,
  invalid_image,
  invalid_port,
  invalid_env,
  invalid_volume_target,
  invalid_template_name,
  app_id_required,
  invalid_app_id,
  invalid_custom_name,
  invalid_container_name,
  volume_overrides_unsupported,
  compose_build_failed,
  container_name_required,
  compose_path_required,
  invalid_compose_file,
  docker_error,
  io_error,
  metrics_error,
  manifest_fetch_failed,
  template_fetch_failed,
  compose_up_failed,
  limit_reached,
  delete_disabled,
  // a failure's kind when the server gave no code
  ok,
  host_unreachable,
  timeout,
  tls_failure,
  bad_response,
  unauthorized,
  forbidden,
  invalid_input,
  server_error,
  still_running,
};

/// The wire name ("SCOPE_REQUIRED", "PROTECTED", …); "" for none.
std::string_view to_string(reply_code code);
/// The code of a wire name; nullopt for a name wagbot does not know ("" is none).
std::optional<reply_code> parse_reply_code(std::string_view name);

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

/// One possible answer to a question back, and the command line that answer runs (as whoever
/// picks it, with their own keys and checks).
struct pick {
  std::string label;    ///< "web-1", "@nas"
  std::string command;  ///< "restart web-1 @nas"
};

struct chat_reply {
  tone mood = tone::info;
  std::vector<block> blocks;
  bool is_private = false;            ///< keys, scopes, errors: ephemeral where the network can
  std::string confirmation_id;        ///< set when this reply asks for a confirmation
  std::vector<std::string> mentions;  ///< wagbot user names to notify (e.g. approvers)
  reply_code error_code = reply_code::none;  ///< machine-readable reason of an error
  /// A question's answers (Discord shows a select menu; elsewhere the text names them).
  std::vector<pick> picks;
  bool pick_many = false;  ///< several answers may be picked at once (each runs, in order)

  chat_reply& text(std::string t);
  chat_reply& code(std::string t, std::string lang = {});
  chat_reply& add_table(table t);
  /// Every block as plain text (what `shell` prints and what tests read).
  std::string plain() const;
};

/// The mark a reply's first line starts with on every network ("✅ ", "⚠️ ", "❌ ", or none).
std::string mood_marker(tone mood);

/// One-line replies.
chat_reply say(tone mood, std::string text);
inline chat_reply error_reply(std::string text) {
  return say(tone::error, std::move(text));
}
inline chat_reply ok_reply(std::string text) {
  return say(tone::success, std::move(text));
}

/// A heading line and the table under it: how every listing answers.
inline chat_reply table_reply(std::string heading, table t) {
  chat_reply r;
  r.text(std::move(heading));
  r.add_table(std::move(t));
  return r;
}

/// Renders a table as aligned columns of monospace text.
std::string render_table_plain(const table& t);

}  // namespace wagbot::core
