#include "wagbot/discord/gateway.hpp"

#include <random>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::discord {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

namespace {
std::mt19937& rng() {
  static thread_local std::mt19937 engine{std::random_device{}()};
  return engine;
}
double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng()); }
constexpr std::uint16_t zombie_close = 4900;  // any code but 1000/1001 keeps the session resumable
}  // namespace

gateway::gateway(asio::any_io_executor executor, rest& api, gateway_options options, core::logger log,
                 dispatch_fn on_dispatch)
    : executor_(executor),
      api_(api),
      options_(std::move(options)),
      log_(std::move(log)),
      on_dispatch_(std::move(on_dispatch)),
      ws_(executor, options_.user_agent) {}

void gateway::stop() {
  stopping_ = true;
  ++generation_;
  ws_.abort();
}

void gateway::fail(int code) {
  failed_with_ = code;
  stop();
}

asio::awaitable<void> gateway::pause(std::chrono::milliseconds d) {
  asio::steady_timer t(executor_, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

void gateway::send(int op, pd::json d) { ws_.write(pd::json{{"op", op}, {"d", std::move(d)}}.dump()); }

asio::awaitable<void> gateway::identify_budget() {
  // Discord resets the token of a bot that identifies 1000 times a day. Never more than one
  // identify per 5 s (max_concurrency 1), and never more than 20 an hour from this process.
  // The 5 s are Discord's, counted from when it received the last one: half a second more
  // here keeps a late delivery of that one from making the next look too early.
  constexpr auto spacing = 5500ms;
  const auto now = clock::now();
  while (!identify_times_.empty() && now - identify_times_.front() > 1h) identify_times_.pop_front();
  if (!identify_times_.empty() && now - identify_times_.back() < spacing)
    co_await pause(std::chrono::duration_cast<std::chrono::milliseconds>(identify_times_.back() + spacing - now));
  if (identify_times_.size() >= 20) {
    log_.warn("20 identifies in the last hour: waiting before the next one");
    co_await pause(std::chrono::duration_cast<std::chrono::milliseconds>(identify_times_.front() + 1h - clock::now()));
  }
  auto info = co_await api_.call("GET", "/gateway/bot");
  if (info && info->is_object() && info->contains("session_start_limit")) {
    const auto& limit = (*info)["session_start_limit"];
    const int remaining = limit.value("remaining", 1);
    if (remaining <= 1) {
      const auto wait = std::chrono::milliseconds(limit.value("reset_after", 60000));
      log_.warn("the daily identify budget is spent; waiting {} s for it to reset", wait.count() / 1000);
      co_await pause(wait);
    }
    if (info->contains("url")) gateway_url_ = (*info)["url"].get<std::string>();
  }
  identify_times_.push_back(clock::now());
}

asio::awaitable<void> gateway::heartbeats(std::uint64_t generation, std::chrono::milliseconds interval) {
  // The first beat comes after interval × random[0,1), so that reconnecting bots spread out.
  co_await pause(std::chrono::milliseconds(static_cast<long long>(interval.count() * uniform(0.0, 1.0))));
  while (generation == generation_ && !stopping_) {
    if (!acked_) {
      log_.warn("no heartbeat ACK since the last beat: the connection is a zombie; reconnecting");
      ws_.abort();
      co_return;
    }
    acked_ = false;
    send(1, seq_ ? pd::json(*seq_) : pd::json());
    co_await pause(interval);
  }
}

asio::awaitable<bool> gateway::connect_once(const std::string& url) {
  // Returns true when the connection lived (so backoff restarts), false on a quick failure.
  auto where = net::parse_url(url);
  if (!where) {
    log_.error("bad gateway URL {}", url);
    co_return false;
  }
  const net::tls_options system_trust;  // named: see rest.cpp on g++ 12 and braced temporaries
  const std::string target = options_.compress ? "/?v=10&encoding=json&compress=zlib-stream" : "/?v=10&encoding=json";
  auto ec = co_await ws_.connect(*where, target, system_trust, 15s);
  if (ec) {
    log_.warn("gateway connect to {} failed: {}", url, ec.message());
    co_return false;
  }
  const auto started = clock::now();
  const auto generation = ++generation_;
  ready_ = false;
  acked_ = true;
  bool hello = false;
  inflater_.reset();  // one zlib context per connection
  for (;;) {
    auto text = co_await ws_.read();
    if (!text) break;
    if (options_.compress) {
      auto inflated = inflater_.feed(*text);
      if (!inflated.error.empty()) {
        log_.warn("gateway compression failed ({}); reconnecting", inflated.error);
        resumable_ = true;
        ws_.abort();
        break;
      }
      if (!inflated.payload) continue;  // the rest of the payload is in the next frames
      *text = std::move(*inflated.payload);
    }
    auto payload = pd::parse_gateway(*text);
    if (!payload) continue;
    switch (static_cast<pd::op>(payload->op)) {
      case pd::op::hello: {
        hello = true;
        const auto interval = std::chrono::milliseconds(payload->d.value("heartbeat_interval", 41250));
        asio::co_spawn(executor_, heartbeats(generation, interval), asio::detached);
        if (resumable_ && !session_id_.empty()) {
          ++resumes_;
          send(6, {{"token", options_.token}, {"session_id", session_id_}, {"seq", seq_ ? pd::json(*seq_) : pd::json()}});
        } else {
          co_await identify_budget();
          ++identifies_;
          pd::json identify{{"token", options_.token},
                            {"intents", options_.intents},
                            {"properties", {{"os", "linux"}, {"browser", "wagbot"}, {"device", "wagbot"}}}};
          if (options_.shard_count > 1) identify["shard"] = {options_.shard_id, options_.shard_count};
          send(2, identify);
        }
        break;
      }
      case pd::op::heartbeat:
        send(1, seq_ ? pd::json(*seq_) : pd::json());
        break;
      case pd::op::heartbeat_ack:
        acked_ = true;
        break;
      case pd::op::reconnect:
        log_.info("gateway asked to reconnect (op 7)");
        resumable_ = true;
        ws_.abort();
        break;
      case pd::op::invalid_session: {
        const bool resumable = payload->d.is_boolean() && payload->d.get<bool>();
        log_.info("invalid session (op 9, resumable={})", resumable);
        resumable_ = resumable;
        if (!resumable) {
          session_id_.clear();
          seq_.reset();
          delay_next_ = std::chrono::milliseconds(static_cast<long long>(uniform(1000, 5000)));
        }
        ws_.abort();
        break;
      }
      case pd::op::dispatch: {
        if (payload->s) seq_ = payload->s;
        if (payload->t == "READY") {
          auto r = payload->d.get<pd::ready>();
          session_id_ = r.session_id;
          if (!r.resume_gateway_url.empty()) resume_url_ = r.resume_gateway_url;
          resumable_ = true;
          ready_ = true;
          log_.info("gateway READY as {} (session {})", r.me.username, r.session_id.substr(0, 6));
        } else if (payload->t == "RESUMED") {
          ready_ = true;
          log_.info("gateway session resumed");
        }
        try {
          on_dispatch_(payload->t, payload->d);
        } catch (const std::exception& e) {
          log_.error("handling {} failed: {}", payload->t, e.what());
        }
        break;
      }
      default:
        break;
    }
  }
  ++generation_;  // stops this connection's heartbeats
  const bool reached_ready = ready_;
  ready_ = false;
  const auto code = ws_.close_code();
  if (code != 0 && !stopping_) {
    switch (pd::classify_close(code)) {
      case pd::close_action::fatal:
        fatal_code_ = code;
        log_.error("Discord gateway closed with {}: {}", code, pd::close_meaning(code));
        break;
      case pd::close_action::new_session:
        log_.warn("gateway closed with {}: starting a new session", code);
        session_id_.clear();
        seq_.reset();
        resumable_ = false;
        break;
      case pd::close_action::resume:
        log_.info("gateway closed with {}: resuming", code);
        break;
    }
  }
  co_return hello && (reached_ready || clock::now() - started > 30s);
}

asio::awaitable<int> gateway::run() {
  std::chrono::milliseconds backoff = 1s;
  while (!stopping_ || failed_with_) {
    if (failed_with_) co_return failed_with_;
    if (gateway_url_.empty()) {
      auto info = co_await api_.call("GET", "/gateway/bot");
      if (!info) {
        if (api_.stopped()) co_return exit_gateway_fatal;
        log_.warn("GET /gateway/bot failed ({}); retrying", info.error().message);
        co_await pause(backoff);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, 60s);
        continue;
      }
      gateway_url_ = info->value("url", "");
    }
    const auto url = resumable_ && !resume_url_.empty() ? resume_url_ : gateway_url_;
    const bool lived = co_await connect_once(url);
    if (failed_with_) co_return failed_with_;
    if (stopping_) break;
    if (fatal_code_) co_return exit_gateway_fatal;
    ++reconnects_;
    if (lived) backoff = 1s;
    auto wait = delay_next_.count() ? delay_next_
                                    : std::chrono::milliseconds(static_cast<long long>(backoff.count() * uniform(0.5, 1.0)));
    delay_next_ = 0ms;
    co_await pause(wait);
    if (!lived) backoff = std::min<std::chrono::milliseconds>(backoff * 2, 60s);
  }
  co_return 0;
}

}  // namespace wagbot::discord
