#include "wagbot/protocol/error.hpp"

namespace wagbot {

namespace {
class category final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "wagbot"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::ok: return "ok";
      case errc::host_unreachable: return "host unreachable";
      case errc::timeout: return "timed out";
      case errc::tls_failure: return "TLS failure";
      case errc::bad_response: return "unexpected response";
      case errc::rate_limited: return "rate limited";
      case errc::unauthorized: return "unauthorized";
      case errc::scope_required: return "scope required";
      case errc::forbidden: return "forbidden";
      case errc::not_found: return "not found";
      case errc::invalid_input: return "invalid input";
      case errc::server_error: return "server error";
      case errc::still_running: return "still running";
    }
    return "unknown wagbot error";
  }
};
}  // namespace

const boost::system::error_category& wagbot_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace wagbot
