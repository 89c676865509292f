#pragma once
// wagbot's error kinds and the error value that carries a WAGMIOS failure to the user.
#include <string>
#include <system_error>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>

namespace wagbot {

/// What went wrong, coarse enough to choose a reply; the detail lives in api_error.
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

/// A failed WAGMIOS call: kind, the server's code and message (or a transport description).
struct api_error {
  errc kind = errc::ok;
  std::string code;     ///< WAGMIOS error code, e.g. "SCOPE_REQUIRED"; empty for transport errors
  std::string message;  ///< the server's message, or what happened on the wire
  int http_status = 0;
};

}  // namespace wagbot

namespace boost::system {
template <>
struct is_error_code_enum<wagbot::errc> : std::true_type {};
}  // namespace boost::system
