#include "wagbot/core/error_text.hpp"

#include <doctest/doctest.h>

using namespace wagbot;
using namespace wagbot::core;

TEST_SUITE("core") {
  TEST_CASE("failed calls: the reply carries the server's code, else the failure's kind") {
    const auto refused =
        describe_error(error{errc::forbidden, "BLOCKED_VOLUME", "blocked", 403}, "nas");
    CHECK(refused.error_code == reply_code::blocked_volume);
    CHECK(refused.plain() == "@nas refused: blocked (BLOCKED_VOLUME).");

    const auto down =
        describe_error(error{errc::host_unreachable, "", "connection refused"}, "nas");
    CHECK(down.error_code == reply_code::host_unreachable);
    CHECK(down.plain() == "@nas is unreachable (connection refused). Is WAGMIOS running there?");

    // A code the reference does not document: the kind names it, the text still shows it.
    const auto odd =
        describe_error(error{errc::server_error, "QUOTA_GONE", "no quota", 500}, "nas");
    CHECK(odd.error_code == reply_code::server_error);
    CHECK(odd.plain() == "@nas failed: no quota (QUOTA_GONE).");

    const auto slow =
        describe_error(error{errc::still_running, "", "the pull is still running"}, "nas");
    CHECK(slow.error_code == reply_code::still_running);
    CHECK(slow.mood == tone::warning);
  }

  TEST_CASE("failed calls: every kind has its reply code") {
    CHECK(to_string(reply_code_of(errc::timeout)) == "TIMEOUT");
    CHECK(to_string(reply_code_of(errc::tls_failure)) == "TLS_FAILURE");
    CHECK(to_string(reply_code_of(errc::scope_required)) == "SCOPE_REQUIRED");
    CHECK(to_string(reply_code_of(errc::invalid_input)) == "INVALID_INPUT");
    for (int i = 0; i <= static_cast<int>(errc::still_running); ++i)
      CHECK_FALSE(to_string(reply_code_of(static_cast<errc>(i))).empty());
  }
}
