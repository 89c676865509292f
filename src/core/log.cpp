#include "wagbot/core/log.hpp"

#include <array>

#include "wagbot/core/redact.hpp"

namespace wagbot::core {

log_level parse_log_level(std::string_view text) {
  if (text == "debug") return log_level::debug;
  if (text == "warn") return log_level::warn;
  if (text == "error") return log_level::error;
  return log_level::info;
}

std::string_view to_string(log_level level) {
  static constexpr std::array<std::string_view, 4> names{"debug", "info", "warn", "error"};
  static_assert(names.size() == static_cast<std::size_t>(log_level::error) + 1);
  const auto i = static_cast<std::size_t>(level);
  return i < names.size() ? names[i] : "info";
}

void logger::emit(log_level level, const std::string& line) const {
  out_(level, component_, redact(line));
}

}  // namespace wagbot::core
