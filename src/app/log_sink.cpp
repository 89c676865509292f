#include "wagbot/app/log_sink.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

namespace wagbot::app {

std::string format_log_line(std::chrono::system_clock::time_point now, core::log_level level,
                            std::string_view component, std::string_view message, bool json) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string out;
  if (json) {
    // A message cut inside a UTF-8 sequence must still make a valid line: replace, never throw.
    out = nlohmann::json{{"time", stamp},
                         {"level", core::to_string(level)},
                         {"component", component},
                         {"message", message}}
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    out = fmt::format("{} {:<5} {}: {}", stamp, core::to_string(level), component, message);
  }
  out.push_back('\n');
  return out;
}

core::logger::sink stream_sink(bool json, std::FILE* out) {
  return [json, out](core::log_level level, std::string_view component, std::string_view line) {
    const auto text =
        format_log_line(std::chrono::system_clock::now(), level, component, line, json);
    std::fwrite(text.data(), 1, text.size(), out);
  };
}

}  // namespace wagbot::app
