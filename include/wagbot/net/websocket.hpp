#pragma once
// A WebSocket client over plain TCP or TLS (ws:// and wss://): connect with a deadline, read
// whole text messages, and queue writes so that they never overlap (one writer).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include "wagbot/net/tls.hpp"
#include "wagbot/net/url.hpp"

namespace wagbot::net {

class websocket {
 public:
  websocket(boost::asio::any_io_executor executor, std::string user_agent);
  ~websocket();

  /// Connects and upgrades; `target` is the path and query ("/?v=10&encoding=json").
  boost::asio::awaitable<boost::system::error_code> connect(const url& where, std::string target,
                                                            const tls_options& tls,
                                                            std::chrono::milliseconds timeout);
  /// The next whole message (text or binary). An error when the link ends; after a close
  /// frame, close_code() tells the peer's code.
  boost::asio::awaitable<boost::system::result<std::string>> read();
  /// Queues a text message; writes go out one at a time, in order.
  void write(std::string text);
  /// Sends a close frame with `code` (then reads until the peer closes, up to a deadline).
  boost::asio::awaitable<void> close(std::uint16_t code);
  /// Drops the TCP connection at once, without a close frame (a zombie link).
  void abort();

  /// The close code the peer sent, 0 if none.
  std::uint16_t close_code() const;
  std::string close_reason() const;
  bool is_open() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wagbot::net
