#include "wagbot/app/engine.hpp"

#include "wagbot/app/command.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::app {

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string command_context::target_name(const core::action& act) const {
  if (target) return target->name.empty() ? target->id : target->name;
  return act.args.empty() ? std::string{} : act.args[0];
}

core::chat_reply command_context::fail(const error& failure) const {
  if (failure.kind == errc::scope_required) eng.forget_scopes(who.user, host.alias);
  auto reply = core::describe_error(failure, host.alias);
  // A write whose answer was lost (no answer in time, the connection cut after it was sent)
  // may have been carried out: say so, rather than invite a second one. A refused
  // connection or an unknown name means the request never left.
  const bool writes = spec.writes();
  const bool never_sent =
      failure.message == "connection refused" || failure.message == "host name not found";
  if (writes &&
      (failure.kind == errc::timeout || (failure.kind == errc::host_unreachable && !never_sent)))
    reply.text("It may have been done anyway: check with `ps @" + host.alias +
               "` before you try again.");
  return reply;
}

engine::engine(const config& cfg, core::logger log, net::http_client& http, store::key_store& keys,
               store::confirmation_store& confirmations, store::audit_log& audit,
               store::room_settings& rooms, const store::vault& vault,
               store::subscriptions& subscriptions, clock_fn now)
    : cfg_(cfg),
      log_(std::move(log)),
      http_(http),
      keys_(keys),
      confirmations_(confirmations),
      audit_(audit),
      rooms_(rooms),
      vault_(vault),
      subscriptions_(subscriptions),
      now_(std::move(now)) {
  guard_.names = cfg.protected_containers;
  limits_.normal = std::chrono::seconds(cfg.timeouts.request_seconds);
  limits_.pull = std::chrono::seconds(cfg.timeouts.pull_seconds);
  limits_.marketplace_start = std::chrono::seconds(cfg.timeouts.marketplace_start_seconds);
}

wagmios::client::observer wagmios_observer(core::metrics& m, const std::string& alias,
                                           const char* purpose) {
  return [&m, alias, purpose](std::chrono::duration<double> took, std::string_view failure) {
    m.observe("wagbot_wagmios_request_duration_seconds", {{"host", alias}, {"purpose", purpose}},
              took.count());
    if (!failure.empty())
      m.add("wagbot_wagmios_errors_total", {{"host", alias}, {"cause", std::string(failure)}});
  };
}

wagmios::client& engine::client_for(const std::string& alias, const std::string& url) {
  auto& slot = clients_[alias + "|" + url];
  if (!slot) {
    wagmios::endpoint where;
    where.base = net::parse_url(url).value_or(net::url{});
    if (const auto* host = cfg_.find_host(alias);
        host && host->base.origin() == where.base.origin())
      where.tls = host->tls;
    slot = std::make_unique<wagmios::client>(http_, where, limits_);
    slot->observe(wagmios_observer(metrics_, alias, "command"));
  }
  return *slot;
}

std::optional<host_call> engine::host_for(const std::string& user, const std::string& alias) {
  auto key = keys_.get(user, alias);
  if (!key) return std::nullopt;
  return host_call{alias, &client_for(alias, key->url), key->secret};
}

std::vector<std::string> engine::hosts_of(const std::string& user) {
  std::vector<std::string> out;
  for (const auto& k : keys_.list(user)) out.push_back(k.alias);
  return out;
}

boost::asio::awaitable<wagmios::result<protocol::key_info>> engine::scopes(const std::string& user,
                                                                           const host_call& host,
                                                                           bool fresh) {
  const auto slot = user + "|" + host.alias;
  const auto suffix = host.key.size() >= 8 ? host.key.substr(host.key.size() - 8) : host.key;
  const auto ttl = std::chrono::seconds(cfg_.scope_cache_seconds);
  if (!fresh) {
    auto it = scopes_.find(slot);
    if (it != scopes_.end() && it->second.key_suffix == suffix &&
        std::chrono::steady_clock::now() - it->second.at < ttl)
      co_return it->second.info;
  }
  auto info = co_await host.api->settings(host.key);
  if (info) scopes_[slot] = cached_scopes{*info, suffix, std::chrono::steady_clock::now()};
  co_return info;
}

void engine::forget_scopes(const std::string& user, const std::string& alias) {
  scopes_.erase(user + "|" + alias);
}

void engine::heard(const std::string& alias, const protocol::activity_event& e) {
  auto& events = heard_[alias];
  events.push_back(e);
  if (events.size() > 100) events.erase(events.begin());
}

bool engine::follows(const std::string& alias) const {
  const auto it = following_.find(alias);
  return it != following_.end() && it->second;
}

const std::vector<protocol::activity_event>& engine::heard_on(const std::string& alias) const {
  static const std::vector<protocol::activity_event> none;
  const auto it = heard_.find(alias);
  return it == heard_.end() ? none : it->second;
}

void engine::record(const requester& who, const std::string& host, const std::string& action,
                    const std::string& target, const std::string& outcome,
                    const std::string& detail) {
  store::audit_entry e;
  e.time = now();
  e.user = who.user;
  e.network = who.network;
  e.room = who.room;
  e.host = host;
  e.action = action;
  e.target = target;
  e.outcome = outcome;
  e.detail = detail;
  audit_.append(e);
  log_.info("{} {} {} on {} by {} ({}): {}", who.network, action, target, host, who.user, who.room,
            outcome);
}

}  // namespace wagbot::app
