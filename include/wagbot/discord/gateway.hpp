#pragma once
// The Discord gateway connection: Hello → heartbeats (first one jittered) with zombie
// detection → Identify or Resume → dispatches. Reconnects as each close code and opcode says,
// resumes whenever it may, and guards the identify budget so it never identifies in a loop.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "wagbot/core/log.hpp"
#include "wagbot/discord/rest.hpp"
#include "wagbot/discord/zlib_stream.hpp"
#include "wagbot/net/websocket.hpp"

namespace wagbot::discord {

/// `wagbot run` exits with this when the gateway closes with a fatal code (4004, 4010–4014).
constexpr int exit_gateway_fatal = 5;

struct gateway_options {
  std::string token;
  int intents = 0;
  int shard_id = 0, shard_count = 1;
  std::string user_agent;
  bool compress = false;  ///< zlib-stream transport compression
};

class gateway {
 public:
  using dispatch_fn = std::function<void(const std::string& type, const pd::json& data)>;

  gateway(boost::asio::any_io_executor executor, rest& api, gateway_options options,
          core::logger log, dispatch_fn on_dispatch);

  /// Runs until stop() (returns 0) or a fatal close (returns exit_gateway_fatal).
  boost::asio::awaitable<int> run();
  void stop();
  /// Ends the connection for good: run() returns `code` (a 401 from REST, say).
  void fail(int code);
  /// READY or RESUMED received on the current connection.
  bool ready() const { return ready_; }
  std::uint64_t identifies() const { return identifies_; }
  std::uint64_t resumes() const { return resumes_; }
  std::uint64_t reconnects() const { return reconnects_; }

 private:
  boost::asio::awaitable<bool> connect_once(const std::string& url);
  boost::asio::awaitable<void> heartbeats(std::uint64_t generation, std::chrono::milliseconds interval);
  boost::asio::awaitable<void> identify_budget();
  boost::asio::awaitable<void> pause(std::chrono::milliseconds d);
  void send(int op, pd::json d);

  boost::asio::any_io_executor executor_;
  rest& api_;
  gateway_options options_;
  core::logger log_;
  dispatch_fn on_dispatch_;
  net::websocket ws_;
  zlib_stream inflater_;

  std::string gateway_url_;
  std::string session_id_, resume_url_;
  std::optional<std::int64_t> seq_;
  bool resumable_ = false;
  bool ready_ = false;
  bool acked_ = true;
  bool stopping_ = false;
  std::uint64_t generation_ = 0;
  int fatal_code_ = 0;
  int failed_with_ = 0;
  std::chrono::milliseconds delay_next_{0};  ///< set by op 9 false (1–5 s) or backoff
  std::deque<std::chrono::steady_clock::time_point> identify_times_;
  std::uint64_t identifies_ = 0, resumes_ = 0, reconnects_ = 0;
};

}  // namespace wagbot::discord
