#pragma once
// An HTTP/1.1 client over plain TCP or TLS with keep-alive connection reuse and a deadline on
// every request. One instance serves every host; it runs on one io_context thread.
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include "wagbot/net/tls.hpp"
#include "wagbot/net/url.hpp"

namespace wagbot::net {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// One request; `target` is appended to the base URL's path.
struct http_request {
  std::string method = "GET";
  std::string target = "/";
  header_list headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};  ///< whole exchange, connect included
};

/// A complete response (any status).
struct http_response {
  int status = 0;
  header_list headers;
  std::string body;
  /// First header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

/// What went wrong with a link, for callers that word it for a user without knowing which
/// library reported it (Beast's own timeout included).
enum class failure { timeout, tls, refused, name_not_found, other };

/// Sorts an error from http_client::send or websocket::connect into a failure.
failure classify(const boost::system::error_code& ec);

/// Keep-alive HTTP(S) client. Failures (refused, reset, timeout, TLS, oversize) are errors;
/// any HTTP status is a response.
class http_client {
 public:
  http_client(boost::asio::any_io_executor executor, std::string user_agent);
  ~http_client();

  /// Sends `request` to `base`. Only an idempotent (GET/HEAD) request is retried, once, when a
  /// reused keep-alive connection turns out to be closed.
  boost::asio::awaitable<boost::system::result<http_response>> send(const url& base,
                                                                    const tls_options& tls,
                                                                    http_request request);

  /// Closes every idle connection.
  void close_idle();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wagbot::net
