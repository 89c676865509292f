#include "commands/format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>

namespace wagbot::commands {

std::string short_id(const std::string& id) {
  auto s = id.rfind("sha256:", 0) == 0 ? id.substr(7) : id;
  return s.substr(0, 12);
}

std::string ports_text(const std::vector<protocol::port_binding>& ports) {
  std::vector<std::string> parts;
  for (const auto& p : ports) {
    std::string one = p.host.empty() ? p.container : p.host + "→" + p.container;
    if (!p.protocol.empty() && p.protocol != "tcp") one += "/" + p.protocol;
    parts.push_back(one);
  }
  return join(parts);
}

std::string status_text(const std::string& status) {
  if (status == "running") return "● running";
  if (status == "restarting") return "◐ restarting";
  if (status == "paused") return "◌ paused";
  if (status == "dead") return "✖ dead";
  return "○ " + status;
}

std::string host_alias(std::string text) {
  if (!text.empty() && text[0] == '@') text.erase(0, 1);
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

std::string size_text(std::uint64_t bytes) {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, unit == 0 || value >= 100 ? "%.0f %s" : "%.1f %s", value,
                units[unit]);
  return buf;
}

std::string duration_text(std::uint64_t seconds) {
  const auto days = seconds / 86400, hours = seconds % 86400 / 3600, minutes = seconds % 3600 / 60;
  if (days > 0)
    return std::to_string(days) + (days == 1 ? " day " : " days ") + std::to_string(hours) + " h";
  if (hours > 0) return std::to_string(hours) + " h " + std::to_string(minutes) + " min";
  if (minutes > 0) return std::to_string(minutes) + " min";
  return std::to_string(seconds) + " s";
}

std::optional<int> count_arg(const core::action& act, std::size_t index, int fallback, int most) {
  if (act.args.size() <= index) return fallback;
  const auto& text = act.args[index];
  if (text.empty() || text.size() > 6 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  const int n = std::stoi(text);
  if (n < 1 || n > most) return std::nullopt;
  return n;
}

core::chat_reply count_refused(std::string_view name, int most) {
  return core::error_reply("[" + std::string(name) + "] must be between 1 and " +
                           std::to_string(most) + ".");
}

core::chat_reply privately(core::chat_reply r) {
  r.is_private = true;
  return r;
}

core::chat_reply failed(const app::command_context& ctx, const error& failure, errc kind,
                        core::chat_reply expected) {
  return failure.kind == kind ? std::move(expected) : ctx.fail(failure);
}

core::chat_reply no_such_app(const app::command_context& ctx, const std::string& app_id) {
  return core::error_reply("No app `" + app_id + "` in the marketplace of @" + ctx.host.alias +
                           ". `apps <words>` searches it.");
}

}  // namespace wagbot::commands
