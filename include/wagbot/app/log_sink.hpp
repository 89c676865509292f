#pragma once
// Where log lines go: core::logger only formats and redacts; writing to a stream is I/O, so the
// sink that does it lives here, chosen by the composition root (`log.format` in the config).
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "wagbot/core/log.hpp"

namespace wagbot::app {

/// One log line, newline included: text (`2026-11-24T10:00:00Z info  matrix: …`) or, with
/// `json`, one JSON object per line ({"time","level","component","message"}).
std::string format_log_line(std::chrono::system_clock::time_point now, core::log_level level,
                            std::string_view component, std::string_view message, bool json);

/// A sink writing each line to `out` (stderr by default) in one write, stamped with the time.
core::logger::sink stream_sink(bool json, std::FILE* out = stderr);

}  // namespace wagbot::app
