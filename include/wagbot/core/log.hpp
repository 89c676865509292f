#pragma once
// A logger passed by value: a level and a sink chosen by the composition root (app/log_sink
// writes to stderr; core itself does no I/O). Every line goes through core::redact, so a key or
// token that slips into a message never reaches the sink.
#include <functional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace wagbot::core {

enum class log_level { debug, info, warn, error };

/// Parses "debug"… "error" (anything else: info).
log_level parse_log_level(std::string_view text);
std::string_view to_string(log_level level);

class logger {
 public:
  using sink = std::function<void(log_level, std::string_view component, std::string_view line)>;

  logger() = default;
  logger(log_level min, sink out, std::string component = "wagbot")
      : min_(min), out_(std::move(out)), component_(std::move(component)) {}

  /// The same sink, tagged with another component name.
  logger child(std::string component) const { return logger(min_, out_, std::move(component)); }
  bool enabled(log_level level) const { return out_ && level >= min_; }

  template <class... A>
  void debug(fmt::format_string<A...> f, A&&... a) const {
    write(log_level::debug, f, std::forward<A>(a)...);
  }
  template <class... A>
  void info(fmt::format_string<A...> f, A&&... a) const {
    write(log_level::info, f, std::forward<A>(a)...);
  }
  template <class... A>
  void warn(fmt::format_string<A...> f, A&&... a) const {
    write(log_level::warn, f, std::forward<A>(a)...);
  }
  template <class... A>
  void error(fmt::format_string<A...> f, A&&... a) const {
    write(log_level::error, f, std::forward<A>(a)...);
  }

 private:
  template <class... A>
  void write(log_level level, fmt::format_string<A...> f, A&&... a) const {
    if (!enabled(level)) return;
    emit(level, fmt::format(f, std::forward<A>(a)...));
  }
  void emit(log_level level, const std::string& line) const;

  log_level min_ = log_level::info;
  sink out_;
  std::string component_ = "wagbot";
};

}  // namespace wagbot::core
