#pragma once
// wagbot's error kinds and the one error value that carries an expected failure of another
// service — a WAGMIOS host, the Matrix homeserver, Discord's REST API, a model endpoint — to
// whoever decides what to do with it (retry, stop, tell the user).
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

namespace wagbot {

/// What went wrong, coarse enough to choose a reply; the detail lives in `error`.
enum class errc {
  ok = 0,
  host_unreachable,  ///< refused, reset, DNS failure
  timeout,           ///< no answer before the deadline
  tls_failure,       ///< handshake or certificate check failed
  bad_response,      ///< not the documented JSON (garbage, proxy error page)
  rate_limited,      ///< 429 RATE_LIMITED
  unauthorized,      ///< SETUP_REQUIRED, API_KEY_REQUIRED, INVALID_KEY
  scope_required,    ///< 403 SCOPE_REQUIRED
  forbidden,         ///< PROTECTED, BLOCKED_VOLUME, PATH_FORBIDDEN, ADMIN_REQUIRED, ...
  not_found,         ///< NOT_FOUND, APP_NOT_FOUND, COMPOSE_NOT_FOUND
  invalid_input,     ///< any 400
  server_error,      ///< 500 DOCKER_ERROR, IO_ERROR, ...
  still_running,     ///< a long operation outlived its deadline but goes on server-side
};

/// The category of errc, named "wagbot".
const boost::system::error_category& wagbot_category() noexcept;
inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), wagbot_category()};
}

/// The kind an HTTP status stands for when the body says nothing more precise
/// (0: no answer at all, read as host_unreachable).
errc kind_of_status(int http_status) noexcept;

/// A failed call to another service: kind, the service's own code and words, and what the
/// transport saw. One type for every service, so retry decisions and logs read the same.
struct error {
  errc kind = errc::ok;
  /// The service's code: WAGMIOS "SCOPE_REQUIRED", Matrix "M_LIMIT_EXCEEDED", Discord's
  /// numeric JSON code as text ("50035"); empty for transport errors.
  std::string code;
  std::string message;              ///< the service's message, or what happened on the wire
  int http_status = 0;              ///< 0 when no HTTP answer came (refused, timeout, TLS, …)
  std::int64_t retry_after_ms = 0;  ///< a wait the service asked for (body or Retry-After)
  bool soft_logout = false;         ///< Matrix: the token expired but the device may log in again

  /// The service asks us to slow down (429, RATE_LIMITED, M_LIMIT_EXCEEDED).
  bool rate_limited() const { return kind == errc::rate_limited || http_status == 429; }
  /// The credential is not (or no longer) accepted (401, M_UNKNOWN_TOKEN, INVALID_KEY).
  bool bad_token() const { return kind == errc::unauthorized || http_status == 401; }
  /// Worth retrying unchanged: no answer at all, a 5xx, or a rate limit. A TLS failure
  /// repeats itself, and a still-running operation must not be started twice.
  bool transient() const {
    return rate_limited() || http_status >= 500 ||
           (http_status == 0 && kind != errc::tls_failure && kind != errc::still_running);
  }
  /// One line for logs: "You are not invited (M_FORBIDDEN, HTTP 403)".
  std::string description() const;
};

/// The former name of `error` for WAGMIOS calls.
using api_error = error;

}  // namespace wagbot

namespace boost::system {
template <>
struct is_error_code_enum<wagbot::errc> : std::true_type {};
}  // namespace boost::system

/// Formats an error as its description().
template <>
struct fmt::formatter<wagbot::error> : fmt::formatter<std::string_view> {
  auto format(const wagbot::error& e, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(e.description(), ctx);
  }
};
