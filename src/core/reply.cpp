#include "wagbot/core/reply.hpp"

#include <algorithm>

namespace wagbot::core {

namespace {
struct code_name {
  reply_code code;
  std::string_view name;
};
// The wire names agents read: they must never change.
constexpr code_name code_names[] = {
    {reply_code::none, ""},
    {reply_code::invalid_request, "INVALID_REQUEST"},
    {reply_code::invalid_json, "INVALID_JSON"},
    {reply_code::unknown_action, "UNKNOWN_ACTION"},
    {reply_code::unknown_user, "UNKNOWN_USER"},
    {reply_code::ambiguous, "AMBIGUOUS"},
    {reply_code::no_host, "NO_HOST"},
    {reply_code::protected_container, "PROTECTED"},
    {reply_code::planner_refused, "PLANNER_REFUSED"},
    {reply_code::scope_required, "SCOPE_REQUIRED"},
    {reply_code::not_found, "NOT_FOUND"},
    {reply_code::setup_required, "SETUP_REQUIRED"},
    {reply_code::api_key_required, "API_KEY_REQUIRED"},
    {reply_code::invalid_key, "INVALID_KEY"},
    {reply_code::rate_limited, "RATE_LIMITED"},
    {reply_code::admin_required, "ADMIN_REQUIRED"},
    {reply_code::scope_escalation, "SCOPE_ESCALATION"},
    {reply_code::blocked_volume, "BLOCKED_VOLUME"},
    {reply_code::path_forbidden, "PATH_FORBIDDEN"},
    {reply_code::app_not_found, "APP_NOT_FOUND"},
    {reply_code::compose_not_found, "COMPOSE_NOT_FOUND"},
    {reply_code::invalid_tail, "INVALID_TAIL"},
    {reply_code::invalid_name, "INVALID_NAME"},
    {reply_code::invalid_image, "INVALID_IMAGE"},
    {reply_code::invalid_port, "INVALID_PORT"},
    {reply_code::invalid_env, "INVALID_ENV"},
    {reply_code::invalid_volume_target, "INVALID_VOLUME_TARGET"},
    {reply_code::invalid_template_name, "INVALID_TEMPLATE_NAME"},
    {reply_code::app_id_required, "APP_ID_REQUIRED"},
    {reply_code::invalid_app_id, "INVALID_APP_ID"},
    {reply_code::invalid_custom_name, "INVALID_CUSTOM_NAME"},
    {reply_code::invalid_container_name, "INVALID_CONTAINER_NAME"},
    {reply_code::volume_overrides_unsupported, "VOLUME_OVERRIDES_UNSUPPORTED"},
    {reply_code::compose_build_failed, "COMPOSE_BUILD_FAILED"},
    {reply_code::container_name_required, "CONTAINER_NAME_REQUIRED"},
    {reply_code::compose_path_required, "COMPOSE_PATH_REQUIRED"},
    {reply_code::invalid_compose_file, "INVALID_COMPOSE_FILE"},
    {reply_code::docker_error, "DOCKER_ERROR"},
    {reply_code::io_error, "IO_ERROR"},
    {reply_code::metrics_error, "METRICS_ERROR"},
    {reply_code::manifest_fetch_failed, "MANIFEST_FETCH_FAILED"},
    {reply_code::template_fetch_failed, "TEMPLATE_FETCH_FAILED"},
    {reply_code::compose_up_failed, "COMPOSE_UP_FAILED"},
    {reply_code::limit_reached, "LIMIT_REACHED"},
    {reply_code::delete_disabled, "DELETE_DISABLED"},
    {reply_code::ok, "OK"},
    {reply_code::host_unreachable, "HOST_UNREACHABLE"},
    {reply_code::timeout, "TIMEOUT"},
    {reply_code::tls_failure, "TLS_FAILURE"},
    {reply_code::bad_response, "BAD_RESPONSE"},
    {reply_code::unauthorized, "UNAUTHORIZED"},
    {reply_code::forbidden, "FORBIDDEN"},
    {reply_code::invalid_input, "INVALID_INPUT"},
    {reply_code::server_error, "SERVER_ERROR"},
    {reply_code::still_running, "STILL_RUNNING"},
};
}  // namespace

std::string_view to_string(reply_code code) {
  for (const auto& c : code_names)
    if (c.code == code) return c.name;
  return {};
}

std::optional<reply_code> parse_reply_code(std::string_view name) {
  for (const auto& c : code_names)
    if (c.name == name) return c.code;
  return std::nullopt;
}

chat_reply& chat_reply::text(std::string t) {
  blocks.push_back({block::kind::text, std::move(t), {}, {}});
  return *this;
}

chat_reply& chat_reply::code(std::string t, std::string lang) {
  blocks.push_back({block::kind::code, std::move(t), std::move(lang), {}});
  return *this;
}

chat_reply& chat_reply::add_table(table t) {
  blocks.push_back({block::kind::table, {}, {}, std::move(t)});
  return *this;
}

chat_reply say(tone mood, std::string text) {
  chat_reply r;
  r.mood = mood;
  r.text(std::move(text));
  return r;
}

namespace {
/// Display width in code points, so that "✅" does not count as three columns.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

std::string render_table_plain(const table& t) {
  std::vector<std::size_t> widths(t.headers.size(), 0);
  for (std::size_t i = 0; i < t.headers.size(); ++i) widths[i] = width(t.headers[i]);
  for (const auto& row : t.rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      out += cell;
      if (i + 1 < widths.size()) out.append(widths[i] - width(cell) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.headers);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string chat_reply::plain() const {
  std::string out;
  for (const auto& b : blocks) {
    if (!out.empty() && out.back() != '\n') out += "\n";
    switch (b.type) {
      case block::kind::text:
        out += b.text;
        break;
      case block::kind::code:
        out += b.lang.empty() ? b.text : "```" + b.lang + "\n" + b.text + "\n```";
        break;
      case block::kind::table:
        out += render_table_plain(b.grid);
        break;
    }
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string mood_marker(tone mood) {
  if (mood == tone::success) return "✅ ";
  if (mood == tone::warning) return "⚠️ ";
  if (mood == tone::error) return "❌ ";
  return "";
}

}  // namespace wagbot::core
