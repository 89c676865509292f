#include "wagbot/discord/gateway.hpp"

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::discord {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

gateway::gateway(asio::any_io_executor executor, rest& api, gateway_options options,
                 core::logger log, dispatch_fn on_dispatch)
    : executor_(executor),
      api_(api),
      options_(std::move(options)),
      log_(std::move(log)),
      on_dispatch_(std::move(on_dispatch)),
      ws_(executor, options_.user_agent),
      fsm_(gateway_fsm_options{}, log_),
      sleep_(executor) {}

void gateway::stop() {
  fsm_.on_stop();
  ++generation_;
  ws_.abort();
  sleep_.cancel();
}

void gateway::fail(int code) {
  fsm_.on_fail(code);
  stop();
}

asio::awaitable<void> gateway::pause(std::chrono::milliseconds d) {
  asio::steady_timer t(executor_, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

void gateway::send(int op, pd::json d) {
  ws_.write(pd::json{{"op", op}, {"d", std::move(d)}}.dump());
}

asio::awaitable<int> gateway::run() {
  auto next = fsm_.start();
  for (;;) {
    switch (next.step) {
      case gateway_step::fetch_url:
        next = co_await fetch_gateway_url();
        break;
      case gateway_step::connect:
        next = co_await connect_once();
        break;
      case gateway_step::stop:
        co_return next.exit_code;
      case gateway_step::sleep:
        sleep_.expires_after(next.delay);
        co_await sleep_.async_wait(asio::as_tuple(asio::use_awaitable));
        [[fallthrough]];
      default:  // the steps inside a connection never come back here
        next = fsm_.on_woken();
        break;
    }
  }
}

asio::awaitable<gateway_action> gateway::fetch_gateway_url() {
  auto info = co_await api_.call("GET", "/gateway/bot");
  if (!info || !info->is_object()) {
    if (!api_.stopped())
      log_.warn("GET /gateway/bot failed ({}); retrying",
                info ? std::string("not an object") : info.error().message);
    co_return fsm_.on_gateway_url_failed(api_.stopped());
  }
  first_answer_ = *info;
  co_return fsm_.on_gateway_url(info->value("url", ""));
}

asio::awaitable<gateway_action> gateway::connect_once() {
  const auto url = fsm_.url();
  auto where = net::parse_url(url);
  if (!where) {
    log_.error("bad gateway URL {}", url);
    co_return fsm_.on_connect_failed();
  }
  const net::tls_options system_trust;  // named: see rest.cpp on g++ 12 and braced temporaries
  const std::string target =
      options_.compress ? "/?v=10&encoding=json&compress=zlib-stream" : "/?v=10&encoding=json";
  if (auto ec = co_await ws_.connect(*where, target, system_trust, 15s)) {
    log_.warn("gateway connect to {} failed: {}", url, ec.message());
    co_return fsm_.on_connect_failed();
  }
  fsm_.on_connected(clock::now());
  inflater_.reset();  // one zlib context per connection
  const auto generation = ++generation_;
  co_await read_payloads(generation);
  ++generation_;  // stops this connection's heartbeats
  co_return fsm_.on_closed(ws_.close_code(), clock::now());
}

asio::awaitable<void> gateway::read_payloads(std::uint64_t generation) {
  for (;;) {
    auto text = co_await ws_.read();
    if (!text) co_return;
    if (options_.compress && !inflate(*text)) continue;
    if (auto payload = pd::parse_gateway(*text)) co_await perform(on_payload(*payload), generation);
  }
}

bool gateway::inflate(std::string& text) {
  auto inflated = inflater_.feed(text);
  if (!inflated.error.empty()) {
    log_.warn("gateway compression failed ({}); reconnecting", inflated.error);
    act(fsm_.on_corrupt_stream());
    return false;
  }
  if (!inflated.payload) return false;  // the rest of the payload is in the next frames
  text = std::move(*inflated.payload);
  return true;
}

gateway_action gateway::on_payload(const pd::gateway_payload& payload) {
  switch (static_cast<pd::op>(payload.op)) {
    case pd::op::hello:
      return fsm_.on_hello(std::chrono::milliseconds(payload.d.value("heartbeat_interval", 41250)));
    case pd::op::heartbeat:
      return fsm_.on_heartbeat_request();
    case pd::op::heartbeat_ack:
      return fsm_.on_heartbeat_ack();
    case pd::op::reconnect:
      return fsm_.on_reconnect_request();
    case pd::op::invalid_session:
      return fsm_.on_invalid_session(payload.d.is_boolean() && payload.d.get<bool>());
    case pd::op::dispatch:
      return on_event(payload);
    default:
      return gateway_action{};
  }
}

gateway_action gateway::on_event(const pd::gateway_payload& payload) {
  auto next = fsm_.on_dispatch(payload.s);
  if (payload.t == "READY") {
    auto r = payload.d.get<pd::ready>();
    log_.info("gateway READY as {} (session {})", r.me.username, r.session_id.substr(0, 6));
    next = fsm_.on_ready(r.session_id, r.resume_gateway_url);
  } else if (payload.t == "RESUMED") {
    log_.info("gateway session resumed");
    next = fsm_.on_resumed();
  }
  try {
    on_dispatch_(payload.t, payload.d);
  } catch (const std::exception& e) {
    log_.error("handling {} failed: {}", payload.t, e.what());
  }
  return next;
}

asio::awaitable<void> gateway::perform(gateway_action action, std::uint64_t generation) {
  if (action.heartbeat_interval.count() > 0)  // after Hello: this connection's heartbeats start
    asio::co_spawn(executor_, heartbeats(generation, action.delay, action.heartbeat_interval),
                   asio::detached);
  if (action.step == gateway_step::identify) co_await identify_budget();
  act(action);
}

void gateway::act(const gateway_action& action) {
  const auto seq = fsm_.seq() ? pd::json(*fsm_.seq()) : pd::json();
  switch (action.step) {
    case gateway_step::identify: {
      pd::json identify{
          {"token", options_.token},
          {"intents", options_.intents},
          {"properties", {{"os", "linux"}, {"browser", "wagbot"}, {"device", "wagbot"}}}};
      if (options_.shard_count > 1) identify["shard"] = {options_.shard_id, options_.shard_count};
      send(2, identify);
      break;
    }
    case gateway_step::resume:
      send(6, {{"token", options_.token}, {"session_id", fsm_.session_id()}, {"seq", seq}});
      break;
    case gateway_step::heartbeat:
      send(1, seq);
      break;
    case gateway_step::drop:
      ws_.abort();
      break;
    default:
      break;
  }
}

asio::awaitable<void> gateway::heartbeats(std::uint64_t generation, std::chrono::milliseconds first,
                                          std::chrono::milliseconds interval) {
  co_await pause(first);
  while (generation == generation_) {
    const auto next = fsm_.on_heartbeat_due();
    act(next);
    if (next.step == gateway_step::drop) co_return;
    co_await pause(interval);
  }
}

asio::awaitable<void> gateway::identify_budget() {
  // Discord resets the token of a bot that identifies 1000 times a day. Never more than one
  // identify per 5 s (max_concurrency 1), and never more than 20 an hour from this process.
  // The 5 s are Discord's, counted from when it received the last one: half a second more
  // here keeps a late delivery of that one from making the next look too early.
  constexpr auto spacing = 5500ms;
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto now = clock::now();
  while (!identify_times_.empty() && now - identify_times_.front() > 1h)
    identify_times_.pop_front();
  if (!identify_times_.empty() && now - identify_times_.back() < spacing)
    co_await pause(duration_cast<milliseconds>(identify_times_.back() + spacing - now));
  if (identify_times_.size() >= 20) {
    log_.warn("20 identifies in the last hour: waiting before the next one");
    co_await pause(duration_cast<milliseconds>(identify_times_.front() + 1h - clock::now()));
  }
  // The first identify of a run reads the answer run() already has: one GET /gateway/bot a run.
  std::optional<pd::json> info = std::exchange(first_answer_, std::nullopt);
  if (!info)
    if (auto fetched = co_await api_.call("GET", "/gateway/bot")) info = std::move(*fetched);
  if (info && info->is_object() && info->contains("session_start_limit")) {
    const auto& limit = (*info)["session_start_limit"];
    const int remaining = limit.value("remaining", 1);
    if (remaining <= 1) {
      const auto wait = milliseconds(limit.value("reset_after", 60000));
      log_.warn("the daily identify budget is spent; waiting {} s for it to reset",
                wait.count() / 1000);
      co_await pause(wait);
    }
    if (info->contains("url")) fsm_.on_gateway_url((*info)["url"].get<std::string>());
  }
  identify_times_.push_back(clock::now());
}

}  // namespace wagbot::discord
