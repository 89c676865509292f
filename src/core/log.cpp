#include "wagbot/core/log.hpp"

#include "wagbot/core/redact.hpp"

namespace wagbot::core {

log_level parse_log_level(std::string_view text) {
  if (text == "debug") return log_level::debug;
  if (text == "warn") return log_level::warn;
  if (text == "error") return log_level::error;
  return log_level::info;
}

std::string_view to_string(log_level level) {
  switch (level) {
    case log_level::debug:
      return "debug";
    case log_level::info:
      return "info";
    case log_level::warn:
      return "warn";
    case log_level::error:
      return "error";
  }
  return "info";
}

void logger::emit(log_level level, const std::string& line) const {
  out_(level, component_, redact(line));
}

}  // namespace wagbot::core
