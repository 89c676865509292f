#include "wagbot/core/alerts.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace wagbot::core {

std::string_view to_string(alert_kind k) {
  // In the order of the enum; the stored and logged names.
  static constexpr std::array<std::string_view, 12> names{
      "exited",     "restart_loop", "unhealthy",   "recovered", "created", "removed",
      "api_action", "pull_done",    "pull_failed", "host_down", "host_up", "digest"};
  static_assert(names.size() == static_cast<std::size_t>(alert_kind::digest) + 1);
  const auto i = static_cast<std::size_t>(k);
  return i < names.size() ? names[i] : "alert";
}

host_watch::host_watch(std::string host, alert_settings settings)
    : host_(std::move(host)), settings_(settings) {}

namespace {
bool is_down(const std::string& status) {
  return status == "exited" || status == "dead";
}
bool unhealthy(const protocol::container& c) {
  return c.status_text.find("unhealthy") != std::string::npos;
}
}  // namespace

bool host_watch::explained(const std::string& name, const std::string& id, std::int64_t t) const {
  for (const auto& key : {name, id}) {
    auto it = expectations_.find(key);
    if (it != expectations_.end() && t - it->second.at <= settings_.expect_seconds) return true;
  }
  // The feed names a container as it was given, which may be an id prefix.
  for (const auto& [target, e] : expectations_)
    if (target.size() >= 3 && id.rfind(target, 0) == 0 && t - e.at <= settings_.expect_seconds)
      return true;
  return false;
}

void host_watch::bounce(tracked& c, const std::string& name, const std::string& why, std::int64_t t,
                        std::vector<alert>& out) {
  auto& b = c.bounces;
  b.push_back(t);
  b.erase(std::remove_if(b.begin(), b.end(),
                         [&](std::int64_t x) { return t - x > settings_.flap_window; }),
          b.end());
  if (static_cast<int>(b.size()) >= settings_.flap_threshold) {
    // Flapping: one summary, then quiet for a window that doubles each time.
    if (t >= c.muted_until) {
      alert a{alert_kind::restart_loop, host_, name, why, t, b.size(), t - b.front(), {}};
      out.push_back(a);
      c.muted_until = t + settings_.flap_window * (1 << std::min(c.summaries, 6));
      ++c.summaries;
    }
    c.alerted = true;
    return;
  }
  if (t < c.muted_until) return;
  out.push_back({alert_kind::exited, host_, name, why, t, 1, 0, {}});
  c.alerted = true;
}

std::vector<alert> host_watch::on_poll(const std::vector<protocol::container>& now,
                                       std::int64_t t) {
  std::vector<alert> out;
  if (failures_ >= settings_.unreachable_after && down_announced_)
    out.push_back({alert_kind::host_up, host_, "", "reachable again", t, 1, 0, {}});
  failures_ = 0;
  down_announced_ = false;

  std::set<std::string> seen;
  for (const auto& c : now) {
    seen.insert(c.name);
    auto it = containers_.find(c.name);
    if (it == containers_.end()) {
      auto& fresh = containers_[c.name];
      fresh.last = c;
      if (!first_poll_ && !explained(c.name, c.id, t))
        out.push_back({alert_kind::created, host_, c.name, c.image, t, 1, 0, {}});
      continue;
    }
    auto& tr = it->second;
    const auto before = tr.last;
    tr.last = c;
    const bool was_running = before.status == "running";
    const bool restarted_in_between = before.id == c.id && was_running && c.status == "running" &&
                                      !before.status_text.empty() && !c.status_text.empty() &&
                                      c.status_text.rfind("Up Less", 0) == 0 &&
                                      before.status_text.rfind("Up Less", 0) != 0;
    if (c.status == "restarting" && before.status != "restarting") {
      if (!explained(c.name, c.id, t)) bounce(tr, c.name, "restarting", t, out);
    } else if (is_down(c.status) && !is_down(before.status)) {
      if (!explained(c.name, c.id, t))
        bounce(tr, c.name, c.status == "dead" ? "dead" : "exited", t, out);
    } else if (restarted_in_between) {
      if (!explained(c.name, c.id, t)) bounce(tr, c.name, "restarted", t, out);
    } else if (c.status == "running" && before.status != "running") {
      if (tr.alerted && t >= tr.muted_until)
        out.push_back({alert_kind::recovered, host_, c.name, "running again", t, 1, 0, {}});
      if (t >= tr.muted_until) tr.alerted = false;
    }
    if (unhealthy(c) && !unhealthy(before)) {
      out.push_back({alert_kind::unhealthy, host_, c.name, c.status_text, t, 1, 0, {}});
      tr.alerted = true;
    }
  }
  for (auto it = containers_.begin(); it != containers_.end();) {
    if (!seen.count(it->first)) {
      if (!explained(it->first, it->second.last.id, t))
        out.push_back({alert_kind::removed, host_, it->first, it->second.last.image, t, 1, 0, {}});
      it = containers_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = expectations_.begin(); it != expectations_.end();) {
    if (t - it->second.at > settings_.expect_seconds)
      it = expectations_.erase(it);
    else
      ++it;
  }
  first_poll_ = false;
  return out;
}

protocol::json host_watch::snapshot() const {
  if (first_poll_) return nullptr;
  // Of Docker's status text ("Up 3 hours (healthy)") only what a diff reads: whether it is
  // unhealthy. The rest changes by itself every minute and would make every poll a write.
  auto list = protocol::json::array();
  for (const auto& [name, tr] : containers_)
    list.push_back({{"id", tr.last.id},
                    {"name", name},
                    {"image", tr.last.image},
                    {"state", tr.last.status},
                    {"status", unhealthy(tr.last) ? "unhealthy" : ""},
                    {"alerted", tr.alerted}});
  return list;
}

bool host_watch::resume(const protocol::json& saved) {
  if (!saved.is_array()) return false;
  std::map<std::string, tracked> restored;
  for (const auto& entry : saved) {
    if (!entry.is_object()) return false;
    tracked tr;
    try {
      tr.last = entry.get<protocol::container>();
    } catch (const protocol::json::exception&) {
      return false;
    }
    if (tr.last.name.empty()) return false;
    const auto alerted = entry.find("alerted");
    tr.alerted = alerted != entry.end() && alerted->is_boolean() && alerted->get<bool>();
    restored[tr.last.name] = std::move(tr);
  }
  containers_ = std::move(restored);
  first_poll_ = false;
  return true;
}

std::vector<alert> host_watch::on_poll_failed(const std::string& why, std::int64_t t) {
  ++failures_;
  if (failures_ >= settings_.unreachable_after && !down_announced_) {
    down_announced_ = true;
    return {{alert_kind::host_down, host_, "", why, t, static_cast<std::size_t>(failures_), 0, {}}};
  }
  return {};
}

std::vector<alert> host_watch::on_activity(const protocol::activity_event& e, std::int64_t t) {
  std::vector<alert> out;
  if (e.type == "container_action" && e.status == "success") {
    expectations_[e.target] = {e.action, t};
    alert a{alert_kind::api_action, host_, e.target, e.action, t, 1, 0, {}};
    a.key = e.agent;
    out.push_back(std::move(a));
  } else if (e.type == "image_pull" && e.status == "success") {
    out.push_back({alert_kind::pull_done, host_, e.target, "", t, 1, 0, {}});
  } else if (e.type == "image_pull" && e.status == "error") {
    std::string why = e.details.is_string() ? e.details.get<std::string>() : "";
    out.push_back({alert_kind::pull_failed, host_, e.target, why, t, 1, 0, {}});
  }
  return out;
}

std::vector<alert> group_bursts(std::vector<alert> alerts, const alert_settings& settings) {
  std::map<std::string, std::vector<alert>> by_host;
  std::vector<alert> out;
  for (auto& a : alerts) {
    const bool groupable = a.kind == alert_kind::exited || a.kind == alert_kind::created ||
                           a.kind == alert_kind::removed || a.kind == alert_kind::recovered ||
                           a.kind == alert_kind::restart_loop;
    if (groupable)
      by_host[a.host].push_back(std::move(a));
    else
      out.push_back(std::move(a));
  }
  for (auto& [host, list] : by_host) {
    if (static_cast<int>(list.size()) < settings.digest_threshold) {
      for (auto& a : list) out.push_back(std::move(a));
      continue;
    }
    alert d{alert_kind::digest, host, "", "", list.front().at, list.size(), 0, std::move(list)};
    out.push_back(std::move(d));
  }
  return out;
}

namespace {
std::string minutes(std::int64_t seconds) {
  if (seconds < 90) return std::to_string(std::max<std::int64_t>(seconds, 1)) + " s";
  return std::to_string((seconds + 30) / 60) + " minutes";
}
}  // namespace

chat_reply render_alert(const alert& a) {
  const std::string host = "@" + a.host;
  const std::string c = "`" + a.container + "`";
  switch (a.kind) {
    case alert_kind::exited:
      return say(tone::error,
                 c + " on " + host + " " +
                     (a.detail == "restarted"    ? "restarted on its own"
                      : a.detail == "restarting" ? "is restarting"
                                                 : "stopped unexpectedly (" + a.detail + ")") +
                     ".");
    case alert_kind::restart_loop:
      return say(tone::error, c + " on " + host + " is flapping: it went down " +
                                  std::to_string(a.count) + " times in " + minutes(a.window) +
                                  ". Further alerts about it are held back for a while.");
    case alert_kind::unhealthy:
      return say(tone::warning, c + " on " + host + " is unhealthy (" + a.detail + ").");
    case alert_kind::recovered:
      return say(tone::success, c + " on " + host + " is running again.");
    case alert_kind::created:
      return say(tone::info, c + " appeared on " + host + " (" + a.detail +
                                 "), created outside wagbot's view.");
    case alert_kind::removed:
      return say(tone::warning, c + " disappeared from " + host + ".");
    case alert_kind::api_action:
      if (!a.user.empty())
        return say(tone::info, c + " on " + host + ": " + a.detail + " with " + a.user + "'s key.");
      if (a.key.empty())
        return say(tone::info, c + " on " + host + ": " + a.detail + " through the WAGMIOS API.");
      return say(tone::info, c + " on " + host + ": " + a.detail + " by " +
                                 (a.key == "system" ? a.key : "key …" + a.key) +
                                 " through the WAGMIOS API.");
    case alert_kind::pull_done:
      return say(tone::success, "Image " + c + " finished pulling on " + host + ".");
    case alert_kind::pull_failed:
      return say(tone::error, "Pulling " + c + " failed on " + host +
                                  (a.detail.empty() ? "." : ": " + a.detail + "."));
    case alert_kind::host_down:
      return say(tone::error, host + " is unreachable (" + std::to_string(a.count) +
                                  " checks in a row failed: " + a.detail + ").");
    case alert_kind::host_up:
      return say(tone::success, host + " is reachable again.");
    case alert_kind::digest: {
      std::map<std::string, std::vector<std::string>> by_kind;
      for (const auto& m : a.members)
        by_kind[std::string(to_string(m.kind))].push_back(m.container);
      chat_reply r;
      r.mood = tone::warning;
      r.text(std::to_string(a.count) + " changes on " + host + " at once (a reboot?):");
      table t{{"what", "containers"}, {}};
      for (auto& [kind, names] : by_kind) {
        std::sort(names.begin(), names.end());
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        t.rows.push_back({kind == "exited" ? "stopped" : kind, list});
      }
      r.add_table(std::move(t));
      return r;
    }
  }
  return say(tone::info, c + " on " + host + ": " + a.detail);
}

bool glob_match(std::string_view p, std::string_view s) {
  std::size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace wagbot::core
