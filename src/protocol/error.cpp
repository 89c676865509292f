#include "wagbot/protocol/error.hpp"

#include <array>

namespace wagbot {

namespace {
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "wagbot"; }
  std::string message(int value) const override {
    // In the order of errc.
    static constexpr std::array<const char*, 13> names{
        "ok",           "host unreachable",    "timed out",
        "TLS failure",  "unexpected response", "rate limited",
        "unauthorized", "scope required",      "forbidden",
        "not found",    "invalid input",       "server error",
        "still running"};
    static_assert(names.size() == static_cast<std::size_t>(errc::still_running) + 1);
    const auto i = static_cast<std::size_t>(value);
    return i < names.size() ? names[i] : "unknown wagbot error";
  }
};
}  // namespace

const boost::system::error_category& wagbot_category() noexcept {
  static const category instance;
  return instance;
}

errc kind_of_status(int http_status) noexcept {
  if (http_status == 0) return errc::host_unreachable;
  if (http_status == 401) return errc::unauthorized;
  if (http_status == 403) return errc::forbidden;
  if (http_status == 404) return errc::not_found;
  if (http_status == 429) return errc::rate_limited;
  if (http_status >= 400 && http_status < 500) return errc::invalid_input;
  if (http_status >= 500) return errc::server_error;
  return errc::bad_response;  // a 1xx or 3xx where an answer or an error was expected
}

std::string error::description() const {
  std::string out = message.empty() ? wagbot_category().message(static_cast<int>(kind)) : message;
  std::string detail = code;
  auto add = [&detail](const std::string& part) { detail += (detail.empty() ? "" : ", ") + part; };
  if (http_status != 0) add("HTTP " + std::to_string(http_status));
  if (retry_after_ms > 0) add("retry after " + std::to_string(retry_after_ms) + " ms");
  if (soft_logout) add("soft logout");
  if (!detail.empty()) out += " (" + detail + ")";
  return out;
}

}  // namespace wagbot
