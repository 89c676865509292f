#include "wagbot/discord/rest.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::discord {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {
constexpr int global_per_second = 50;
constexpr std::size_t invalid_cap = 9000;  // Discord bans at 10,000 per 10 minutes
// A call keeps honouring 429s (each retry_after) for this long, however many there are; only
// then is it given up. An interaction's token lives 15 minutes, so a late answer still lands.
constexpr auto max_429_wait = std::chrono::minutes(2);

/// A failed call; its kind follows the status (0: no answer at all).
wagbot::error failure(int http_status, std::string message) {
  return {kind_of_status(http_status), "", std::move(message), http_status};
}

bool is_snowflake(const std::string& s) {
  return !s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos;
}
}  // namespace

rest::rest(net::http_client& http, net::url api_base, std::string token, std::string user_agent,
           core::logger log)
    : http_(http),
      base_(std::move(api_base)),
      token_(std::move(token)),
      user_agent_(std::move(user_agent)),
      log_(std::move(log)) {}

namespace {
std::vector<std::string> segments_of(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    auto end = path.find('/', pos);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return parts;
}
}  // namespace

std::string rest::route_of(const std::string& method, const std::string& path) {
  // Split into segments; keep literals and the major parameter (the id right after
  // channels/guilds/webhooks, and a webhook's token with it); replace other ids.
  const auto parts = segments_of(path);
  std::string out = method + " ";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string seg = parts[i];
    const std::string prev = i > 0 ? parts[i - 1] : "";
    const bool major =
        i > 0 && (prev == "channels" || prev == "guilds" || prev == "webhooks") && i == 1;
    const bool webhook_token = i == 2 && parts[0] == "webhooks";
    if (parts[0] == "interactions" && i >= 1 && i <= 2)
      seg = i == 1 ? ":id" : ":token";
    else if (!major && !webhook_token && is_snowflake(seg))
      seg = ":id";
    else if (prev == "reactions")
      seg = ":emoji";
    out += "/" + seg;
  }
  return out;
}

rest::limit_key rest::limit_of(const std::string& method, const std::string& path) {
  // Major parameters: a channel or guild id; a webhook id with its token; an interaction id
  // with its token (each interaction answers through its own callback and webhook, so one
  // interaction's limit never holds up another's). The route keeps none of them, so that the
  // routes learnt stay few.
  const auto parts = segments_of(path);
  limit_key k;
  k.route = method + " ";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string seg = parts[i];
    const std::string& head = parts[0];
    if (i == 1 && (head == "channels" || head == "guilds")) {
      k.major = seg;
      seg = ":major";
    } else if ((i == 1 || i == 2) && (head == "webhooks" || head == "interactions")) {
      k.major += (i == 1 ? "" : "/") + seg;
      seg = i == 1 ? ":id" : ":token";
    } else if (is_snowflake(seg)) {
      seg = ":id";
    } else if (i > 0 && parts[i - 1] == "reactions") {
      seg = ":emoji";
    }
    k.route += "/" + seg;
  }
  return k;
}

std::string rest::bucket_key(const limit_key& limit) const {
  // A shared bucket id merges routes that share a limit; the major parameter splits it.
  auto it = route_bucket_.find(limit.route);
  return (it == route_bucket_.end() ? limit.route : it->second) + "|" + limit.major;
}

void rest::learn(const limit_key& limit, const net::http_response& r) {
  const auto bucket = r.header("X-RateLimit-Bucket");
  if (!bucket.empty()) route_bucket_[limit.route] = bucket;
  const auto remaining = r.header("X-RateLimit-Remaining");
  const auto reset_after = r.header("X-RateLimit-Reset-After");
  if (remaining.empty() || reset_after.empty()) return;
  const auto now = clock::now();
  // One entry per interaction (and channel) answered: forget those whose window has passed,
  // each time the map has doubled (amortised O(1) per call).
  if (buckets_.size() >= prune_at_) {
    std::erase_if(buckets_, [now](const auto& kv) { return kv.second.reset <= now; });
    prune_at_ = std::max<std::size_t>(256, 2 * buckets_.size());
  }
  auto& b = buckets_[bucket_key(limit)];
  b.remaining = std::atoi(remaining.c_str());
  b.reset = now + std::chrono::milliseconds(
                      static_cast<long long>(std::atof(reset_after.c_str()) * 1000));
}

bool rest::exempt_from_global(const std::string& path) const {
  // Interaction callbacks and follow-up webhooks do not count towards the global limit.
  return path.rfind("/interactions/", 0) == 0 || path.rfind("/webhooks/", 0) == 0;
}

asio::awaitable<void> rest::wait_until(clock::time_point t) {
  if (t <= clock::now()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, t);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> rest::take_slot(const limit_key& limit, const std::string& path) {
  // Pre-empt known limits instead of hitting them.
  co_await wait_until(global_until_);
  if (auto it = buckets_.find(bucket_key(limit)); it != buckets_.end() && it->second.remaining <= 0)
    co_await wait_until(it->second.reset);
  if (!exempt_from_global(path)) {
    while (!last_second_.empty() && clock::now() - last_second_.front() > std::chrono::seconds(1))
      last_second_.pop_front();
    if (last_second_.size() >= global_per_second)
      co_await wait_until(last_second_.front() + std::chrono::seconds(1));
    last_second_.push_back(clock::now());
  }
  if (auto it = buckets_.find(bucket_key(limit)); it != buckets_.end() && it->second.remaining > 0)
    --it->second.remaining;
}

net::http_request rest::request_for(const std::string& method, const std::string& path,
                                    const pd::json& body) const {
  net::http_request req;
  req.method = method;
  req.target = path;
  req.timeout = std::chrono::seconds(15);
  req.headers.emplace_back("Authorization", "Bot " + token_);
  req.headers.emplace_back("User-Agent", user_agent_);
  if (!body.is_null()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body.dump(-1, ' ', false, pd::json::error_handler_t::replace);
  }
  return req;
}

asio::awaitable<result<pd::json>> rest::call(std::string method, std::string path, pd::json body,
                                             answer wanted) {
  const auto limit = limit_of(method, path);
  struct in_queue {
    std::size_t& n;
    explicit in_queue(std::size_t& count) : n(count) { ++n; }
    ~in_queue() { --n; }
  } counted(pending_);
  const auto started = clock::now();
  for (;;) {
    if (unauthorized_) co_return failure(401, "stopped after a 401: the bot token is invalid");
    const auto now = clock::now();
    while (!invalid_.empty() && now - invalid_.front() > std::chrono::minutes(10))
      invalid_.pop_front();
    if (invalid_.size() >= invalid_cap)
      co_return failure(429, "too many invalid requests in 10 minutes; holding off");

    co_await take_slot(limit, path);
    auto req = request_for(method, path, body);
    ++requests_;
    // A named object: g++ 12 destroys a braced temporary in a co_await expression twice.
    const net::tls_options system_trust;
    auto response = co_await http_.send(base_, system_trust, std::move(req));
    if (!response) co_return failure(0, response.error().message());
    learn(limit, *response);
    const int status = response->status;
    const bool ok = status >= 200 && status < 300;
    auto doc = ok && wanted == answer::ignored ? pd::json()
                                               : pd::json::parse(response->body, nullptr, false);
    if (ok) {
      if (doc.is_discarded()) doc = pd::json();
      co_return result<pd::json>{boost::system::in_place_value, std::move(doc)};  // not copied
    }

    auto e =
        failure(status, doc.is_object() ? doc.value("message", "") : response->body.substr(0, 200));
    // Discord's JSON error code (50035, 40060, 10062, …) is kept as text.
    if (const int code = doc.is_object() ? doc.value("code", 0) : 0; code != 0)
      e.code = std::to_string(code);
    const bool shared = response->header("X-RateLimit-Scope") == "shared";
    if (status == 401 || status == 403 || (status == 429 && !shared))
      invalid_.push_back(clock::now());
    if (status == 401) {
      if (!unauthorized_ && on_unauthorized_) on_unauthorized_();
      unauthorized_ = true;
      log_.error(
          "Discord answered 401 Unauthorized: stopping all REST calls (check discord.token)");
      co_return e;
    }
    if (status != 429) co_return e;
    ++rate_limited_;
    double retry_after = doc.is_object() ? doc.value("retry_after", 0.0) : 0.0;
    if (retry_after <= 0) retry_after = std::atof(response->header("Retry-After").c_str());
    const auto until =
        clock::now() + std::chrono::milliseconds(static_cast<long long>(retry_after * 1000) + 10);
    if (doc.is_object() && doc.value("global", false))
      global_until_ = until;
    else
      buckets_[bucket_key(limit)] = bucket_state{0, until};
    // The route (ids folded) is only for these lines: not built on every call.
    const auto route = route_of(method, path);
    log_.debug("429 on {}: waiting {:.3f} s", route, retry_after);
    if (until - started > max_429_wait) {
      log_.warn("giving up {} after {} s of 429s", route,
                std::chrono::duration_cast<std::chrono::seconds>(clock::now() - started).count());
      co_return e;
    }
  }
}

}  // namespace wagbot::discord
