#pragma once
// A small HTTP/1.1 server for wagbot's own endpoints (/healthz, /readyz, /metrics). It is
// meant for a loopback address: no TLS, no authentication, GET and HEAD only, small requests,
// a deadline on every read and write, and a cap on open connections.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

namespace wagbot::net {

/// What a handler answers.
struct served {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class http_server {
 public:
  /// Called for every GET/HEAD with the request target (path and query).
  using handler = std::function<served(std::string_view target)>;

  http_server(boost::asio::any_io_executor executor, handler on_request);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds `address:port` (port 0 picks a free one); returns the bound port.
  boost::system::result<std::uint16_t> listen(const std::string& address, std::uint16_t port);
  /// Accepts connections until stop().
  boost::asio::awaitable<void> run();
  /// Closes the listening socket; open connections finish their current request.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wagbot::net
