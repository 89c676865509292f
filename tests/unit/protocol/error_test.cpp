#include "wagbot/protocol/error.hpp"

#include <doctest/doctest.h>

#include "wagbot/protocol/matrix.hpp"
#include "wagbot/protocol/wagmios.hpp"

using wagbot::errc;
using wagbot::error;

TEST_SUITE("protocol") {
  TEST_CASE("error: the formatter prints the message, then the code, status and wait") {
    CHECK(fmt::format("{}", error{errc::forbidden, "M_FORBIDDEN", "You are not invited", 403}) ==
          "You are not invited (M_FORBIDDEN, HTTP 403)");
    CHECK(fmt::format("send failed: {}", error{errc::host_unreachable, "", "connection refused"}) ==
          "send failed: connection refused");
    error limited{errc::rate_limited, "M_LIMIT_EXCEEDED", "Too many requests", 429};
    limited.retry_after_ms = 2000;
    CHECK(fmt::format("{}", limited) ==
          "Too many requests (M_LIMIT_EXCEEDED, HTTP 429, retry after 2000 ms)");
    error logged_out{errc::unauthorized, "M_UNKNOWN_TOKEN", "Token expired", 401};
    logged_out.soft_logout = true;
    CHECK(logged_out.description() == "Token expired (M_UNKNOWN_TOKEN, HTTP 401, soft logout)");
    // Discord's numeric code travels as text.
    CHECK(fmt::format("{}", error{errc::invalid_input, "50035", "Invalid Form Body", 400}) ==
          "Invalid Form Body (50035, HTTP 400)");
    // No words from the service: the kind's own.
    CHECK(error{errc::timeout}.description() == "timed out");
    CHECK(fmt::format("[{:>12}]", error{errc::timeout}) == "[   timed out]");
  }

  TEST_CASE("error: rate_limited, bad_token and transient") {
    CHECK(error{errc::rate_limited}.rate_limited());
    CHECK(error{errc::invalid_input, "", "", 429}.rate_limited());
    CHECK_FALSE(error{errc::server_error, "", "", 503}.rate_limited());

    CHECK(error{errc::unauthorized, "INVALID_KEY", "", 401}.bad_token());
    CHECK(error{errc::forbidden, "", "", 401}.bad_token());
    CHECK_FALSE(error{errc::scope_required, "SCOPE_REQUIRED", "", 403}.bad_token());

    CHECK(error{errc::host_unreachable}.transient());
    CHECK(error{errc::timeout}.transient());
    CHECK(error{errc::server_error, "DOCKER_ERROR", "", 500}.transient());
    CHECK(error{errc::rate_limited, "", "", 429}.transient());
    CHECK_FALSE(error{errc::tls_failure, "", "certificate verify failed"}.transient());
    CHECK_FALSE(
        error{errc::still_running, "", "the pull is still running on the host"}.transient());
    CHECK_FALSE(error{errc::forbidden, "PROTECTED", "", 403}.transient());
    CHECK_FALSE(error{errc::unauthorized, "", "", 401}.transient());
  }

  TEST_CASE("error: a status alone gives the kind") {
    CHECK(wagbot::kind_of_status(0) == errc::host_unreachable);
    CHECK(wagbot::kind_of_status(400) == errc::invalid_input);
    CHECK(wagbot::kind_of_status(401) == errc::unauthorized);
    CHECK(wagbot::kind_of_status(403) == errc::forbidden);
    CHECK(wagbot::kind_of_status(404) == errc::not_found);
    CHECK(wagbot::kind_of_status(429) == errc::rate_limited);
    CHECK(wagbot::kind_of_status(502) == errc::server_error);
    CHECK(wagbot::kind_of_status(302) == errc::bad_response);
  }

  TEST_CASE("error: Matrix and WAGMIOS failures are the same type, with their own codes") {
    const error matrix = wagbot::protocol::matrix::parse_error(
        401, R"({"errcode":"M_LIMIT_EXCEEDED","error":"slow down"})", "");
    CHECK(matrix.kind == errc::rate_limited);
    CHECK(matrix.rate_limited());
    CHECK(matrix.bad_token());  // by its status
    const auto wagmios = wagbot::protocol::parse_envelope(
        403,
        R"({"success":false,"error":{"code":"SCOPE_REQUIRED","message":"containers:write scope required"}})",
        false);
    REQUIRE(wagmios.has_error());
    CHECK(fmt::format("{}", wagmios.error()) ==
          "containers:write scope required (SCOPE_REQUIRED, HTTP 403)");
  }

  TEST_CASE("error: the category names every kind") {
    const auto ec = make_error_code(errc::scope_required);
    CHECK(std::string(ec.category().name()) == "wagbot");
    CHECK(ec.message() == "scope required");
  }
}
