#pragma once
// Discord REST with the rate limits the API publishes: per-bucket limits learnt from the
// X-RateLimit-* headers (keyed by bucket and major parameter), the global 50 requests/s,
// 429 waits with retry_after, a cap on invalid requests, and a full stop after a 401.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "wagbot/core/log.hpp"
#include "wagbot/net/http_client.hpp"
#include "wagbot/protocol/discord.hpp"
#include "wagbot/protocol/error.hpp"

namespace wagbot::discord {

namespace pd = protocol::discord;

/// A call's outcome; a failure's `code` is Discord's JSON error code as text ("50035",
/// "40060", "10062", …), empty when the answer had none.
template <class T>
using result = boost::system::result<T, wagbot::error>;

class rest {
 public:
  rest(net::http_client& http, net::url api_base, std::string token, std::string user_agent,
       core::logger log);

  /// Whether a caller reads a successful call's answer (an error's is always read).
  enum class answer { read, ignored };

  /// One call; `path` starts with "/" (e.g. "/channels/1/messages"). Waits out known limits
  /// first; retries a 429 after its retry_after (at most a few times). With answer::ignored a
  /// success is null: the message Discord sends back is not parsed.
  boost::asio::awaitable<result<pd::json>> call(std::string method, std::string path,
                                                pd::json body = nullptr,
                                                answer wanted = answer::read);

  bool stopped() const { return unauthorized_; }
  /// Called once when a 401 stops every call (the token is no longer valid).
  void on_unauthorized(std::function<void()> f) { on_unauthorized_ = std::move(f); }
  std::uint64_t rate_limited() const { return rate_limited_; }
  std::uint64_t requests() const { return requests_; }
  /// Calls waiting for a limit or for their answer.
  std::size_t pending() const { return pending_; }

  /// A path's route for logs: ids replaced, except the major parameter.
  static std::string route_of(const std::string& method, const std::string& path);

  /// What a rate limit is keyed by: the route with every id replaced (learnt routes stay few)
  /// and the major parameter (channel id, guild id, webhook id + token, interaction id + token).
  struct limit_key {
    std::string route, major;
  };
  static limit_key limit_of(const std::string& method, const std::string& path);

 private:
  struct bucket_state {
    int remaining = 1;
    std::chrono::steady_clock::time_point reset{};
  };
  boost::asio::awaitable<void> wait_until(std::chrono::steady_clock::time_point t);
  /// Waits until the limits known so far (global, the bucket, 50 a second) let `path` go.
  boost::asio::awaitable<void> take_slot(const limit_key& limit, const std::string& path);
  /// The HTTP request for a call, with the bot's token.
  net::http_request request_for(const std::string& method, const std::string& path,
                                const pd::json& body) const;
  std::string bucket_key(const limit_key& limit) const;
  void learn(const limit_key& limit, const net::http_response& r);
  bool exempt_from_global(const std::string& path) const;

  net::http_client& http_;
  net::url base_;
  std::string token_, user_agent_;
  core::logger log_;
  std::map<std::string, std::string> route_bucket_;  ///< route (no major) → X-RateLimit-Bucket
  std::map<std::string, bucket_state> buckets_;  ///< bucket | major → state (expired ones pruned)
  std::chrono::steady_clock::time_point global_until_{};
  std::deque<std::chrono::steady_clock::time_point> last_second_;
  std::deque<std::chrono::steady_clock::time_point> invalid_;
  bool unauthorized_ = false;
  std::function<void()> on_unauthorized_;
  std::uint64_t rate_limited_ = 0, requests_ = 0;
  std::size_t pending_ = 0;
  std::size_t prune_at_ = 256;
};

}  // namespace wagbot::discord
