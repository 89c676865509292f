#include "wagbot/app/log_sink.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

using wagbot::app::format_log_line;
using wagbot::core::log_level;

namespace {
// 2026-11-24T10:00:00Z
const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1795514400));
}  // namespace

TEST_SUITE("app") {
  TEST_CASE("a text log line: UTC time, level padded to five, component, message") {
    CHECK(format_log_line(at, log_level::info, "matrix", "joined !a:hs", false) ==
          "2026-11-24T10:00:00Z info  matrix: joined !a:hs\n");
    CHECK(format_log_line(at, log_level::error, "alerts.nas", "x", false) ==
          "2026-11-24T10:00:00Z error alerts.nas: x\n");
  }

  TEST_CASE("a JSON log line is one object with time, level, component and message") {
    const auto line =
        format_log_line(at, log_level::warn, "discord", "said \"hi\"\nthen left", true);
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);  // one line, the message's newline escaped
    const auto doc = nlohmann::json::parse(line);
    CHECK(doc == nlohmann::json{{"time", "2026-11-24T10:00:00Z"},
                                {"level", "warn"},
                                {"component", "discord"},
                                {"message", "said \"hi\"\nthen left"}});
  }

  TEST_CASE("a message cut inside a UTF-8 sequence still makes a valid JSON line") {
    const auto line = format_log_line(at, log_level::info, "shell", "caf\xc3", true);
    REQUIRE(nlohmann::json::accept(line));
    CHECK(nlohmann::json::parse(line)["message"] == "caf\xEF\xBF\xBD");  // U+FFFD
  }

  TEST_CASE("the sink writes the lines at or above the logger's level to the stream it was given") {
    std::FILE* out = std::tmpfile();
    REQUIRE(out != nullptr);
    wagbot::core::logger log(log_level::info, wagbot::app::stream_sink(false, out), "test");
    log.debug("not shown");
    log.info("hello {}", 42);
    std::rewind(out);
    char buffer[256] = {};
    const auto n = std::fread(buffer, 1, sizeof buffer - 1, out);
    std::fclose(out);
    const std::string text(buffer, n);
    CHECK(text.find("not shown") == std::string::npos);
    CHECK(text.size() == std::string("2026-11-24T10:00:00Z info  test: hello 42\n").size());
    CHECK(text.ends_with(" info  test: hello 42\n"));
  }
}
