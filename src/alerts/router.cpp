#include "wagbot/alerts/router.hpp"

#include "wagbot/core/redact.hpp"

namespace wagbot::alerts {

router::router(store::subscriptions& subs, core::logger log) : subs_(subs), log_(std::move(log)) {}

void router::add(core::chat_transport& transport) {
  transports_.push_back(&transport);
}

bool wants(const store::subscription& s, const core::alert& a) {
  if (s.patterns.empty()) return true;
  if (a.kind == core::alert_kind::host_down || a.kind == core::alert_kind::host_up ||
      a.kind == core::alert_kind::pull_done || a.kind == core::alert_kind::pull_failed)
    return true;  // about the host itself
  if (a.kind == core::alert_kind::digest) {
    for (const auto& m : a.members)
      if (wants(s, m)) return true;
    return false;
  }
  for (const auto& p : s.patterns)
    if (core::glob_match(p, a.container)) return true;
  return false;
}

namespace {
std::vector<core::alert_action> actions_for(const core::alert& a) {
  using core::alert_kind;
  if (a.container.empty()) return {};
  switch (a.kind) {
    case alert_kind::exited:
    case alert_kind::restart_loop:
    case alert_kind::unhealthy:
      return {{"Restart", "🔄", "restart " + a.container + " @" + a.host},
              {"Logs", "📜", "logs " + a.container + " 50 @" + a.host}};
    case alert_kind::recovered:
    case alert_kind::created:
      return {{"Logs", "📜", "logs " + a.container + " 50 @" + a.host}};
    default:
      return {};
  }
}
}  // namespace

void router::deliver(const std::vector<core::alert>& alerts) {
  for (const auto& a : alerts) {
    const auto subs = subs_.of_host(a.host);
    log_.info("alert {} {} on {} → {} subscriber(s)", core::to_string(a.kind), a.container, a.host,
              subs.size());
    for (const auto& s : subs) {
      if (!wants(s, a)) continue;
      // A digest shows a room only the containers it asked about; one left is a plain alert.
      core::alert shown = a;
      if (a.kind == core::alert_kind::digest && !s.patterns.empty()) {
        shown.members.clear();
        for (const auto& m : a.members)
          if (wants(s, m)) shown.members.push_back(m);
        shown.count = shown.members.size();
        if (shown.members.size() == 1) shown = shown.members.front();
      }
      for (auto* t : transports_)
        if (t->network() == s.network) {
          t->post(s.room, core::redacted(core::render_alert(shown)), actions_for(shown));
          ++sent_;
          ++sent_by_network_[s.network];
        }
    }
  }
}

}  // namespace wagbot::alerts
