#include "wagbot/core/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

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
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warn: return "warn";
    case log_level::error: return "error";
  }
  return "info";
}

void logger::emit(log_level level, const std::string& line) const {
  out_(level, component_, redact(line));
}

logger::sink stderr_sink(bool json) {
  return [json](log_level level, std::string_view component, std::string_view line) {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::string out;
    if (json) {
      out = nlohmann::json{{"time", stamp}, {"level", to_string(level)}, {"component", component},
                           {"message", line}}
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      out = fmt::format("{} {:<5} {}: {}", stamp, to_string(level), component, line);
    }
    out.push_back('\n');
    std::fwrite(out.data(), 1, out.size(), stderr);
  };
}

}  // namespace wagbot::core
