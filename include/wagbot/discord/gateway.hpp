#pragma once
// The Discord gateway connection: Hello → heartbeats (first one jittered) with zombie
// detection → Identify or Resume → dispatches. Reconnects as each close code and opcode says,
// resumes whenever it may, and guards the identify budget so it never identifies in a loop.
// This file does the I/O; every decision (what to send, when to drop, how long to wait) is
// gateway_fsm's, so it can be tested without a socket.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "wagbot/core/log.hpp"
#include "wagbot/discord/gateway_fsm.hpp"
#include "wagbot/discord/rest.hpp"
#include "wagbot/discord/zlib_stream.hpp"
#include "wagbot/net/websocket.hpp"

namespace wagbot::discord {

/// Who the bot is on the gateway and how it talks to it.
struct gateway_options {
  std::string token;
  int intents = 0;
  int shard_id = 0, shard_count = 1;
  std::string user_agent;
  bool compress = false;  ///< zlib-stream transport compression
};

/// One gateway connection at a time, reconnected until stop() or a fatal close.
class gateway {
 public:
  using dispatch_fn = std::function<void(const std::string& type, const pd::json& data)>;

  gateway(boost::asio::any_io_executor executor, rest& api, gateway_options options,
          core::logger log, dispatch_fn on_dispatch);

  /// Runs until stop() (returns 0) or a fatal close (returns exit_gateway_fatal).
  boost::asio::awaitable<int> run();
  /// Ends the run: run() returns 0, now rather than after a pending wait.
  void stop();
  /// Ends the connection for good: run() returns `code` (a 401 from REST, say).
  void fail(int code);
  /// READY or RESUMED received on the current connection.
  bool ready() const { return fsm_.ready(); }
  std::uint64_t identifies() const { return fsm_.identifies(); }
  std::uint64_t resumes() const { return fsm_.resumes(); }
  std::uint64_t reconnects() const { return fsm_.reconnects(); }

 private:
  // Each step does the I/O of one gateway_step and returns what the machine decides next.
  boost::asio::awaitable<gateway_action> fetch_gateway_url();
  boost::asio::awaitable<gateway_action> connect_once();
  boost::asio::awaitable<void> read_payloads(std::uint64_t generation);
  bool inflate(std::string& text);
  gateway_action on_payload(const pd::gateway_payload& payload);
  gateway_action on_event(const pd::gateway_payload& payload);
  boost::asio::awaitable<void> perform(gateway_action action, std::uint64_t generation);
  void act(const gateway_action& action);
  boost::asio::awaitable<void> heartbeats(std::uint64_t generation, std::chrono::milliseconds first,
                                          std::chrono::milliseconds interval);
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
  gateway_fsm fsm_;
  boost::asio::steady_timer sleep_;  ///< run()'s waits between connections; stop() cuts them
  /// run()'s GET /gateway/bot answer, kept for the first identify so it is not asked twice.
  std::optional<pd::json> first_answer_;
  std::uint64_t generation_ = 0;  ///< bumped when a connection ends: its heartbeats stop
  std::deque<std::chrono::steady_clock::time_point> identify_times_;
};

}  // namespace wagbot::discord
