#pragma once
// Container state changes → alerts, as pure decisions: successive container lists and
// activity-feed events go in, alerts come out, with the noise taken out — API actions are not
// reported twice, flapping containers are summarised with a growing back-off, a burst (a host
// reboot) becomes one digest, and a recovery is announced once.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wagbot/core/reply.hpp"
#include "wagbot/protocol/wagmios.hpp"

namespace wagbot::core {

enum class alert_kind {
  exited,        ///< stopped or died without an API action: a crash, an OOM kill, docker stop
  restart_loop,  ///< a summary: exited or restarted N times in the window
  unhealthy,
  recovered,   ///< back to running after an alert
  created,     ///< appeared outside the API
  removed,     ///< disappeared outside the API
  api_action,  ///< start/stop/restart/delete/create through the API (activity feed)
  pull_done,
  pull_failed,
  host_down,  ///< several polls in a row failed
  host_up,
  digest,  ///< many alerts from one host at once
};

std::string_view to_string(alert_kind k);

struct alert {
  alert_kind kind = alert_kind::exited;
  std::string host, container, detail;
  std::int64_t at = 0;
  std::size_t count = 1;       ///< restart_loop: how many; digest: how many alerts
  std::int64_t window = 0;     ///< restart_loop: over how many seconds
  std::vector<alert> members;  ///< digest: what it groups
  std::string key;             ///< api_action: the acting key's last 8 characters, or "system"
  std::string user;            ///< api_action: the wagbot user whose key that is, when known
};

struct alert_settings {
  int unreachable_after = 3;  ///< failed polls in a row before `host_down`
  int flap_window = 600;      ///< seconds
  int flap_threshold = 3;     ///< exits/restarts within the window that make a loop
  int digest_threshold = 5;   ///< alerts from one poll that become one digest
  int expect_seconds = 60;    ///< how long an API action explains a state change
};

/// One host's watch: feed it polls and activity events, get alerts back.
class host_watch {
 public:
  host_watch(std::string host, alert_settings settings = {});

  /// A successful poll of /api/containers at time t (seconds).
  std::vector<alert> on_poll(const std::vector<protocol::container>& now, std::int64_t t);
  /// A failed poll.
  std::vector<alert> on_poll_failed(const std::string& why, std::int64_t t);
  /// An activity-feed event.
  std::vector<alert> on_activity(const protocol::activity_event& e, std::int64_t t);

  bool reachable() const { return failures_ < settings_.unreachable_after; }

  /// What the last poll saw (each container with whether an alert about it is outstanding),
  /// to keep across a restart; null before the first poll.
  protocol::json snapshot() const;
  /// Starts from a snapshot taken before a restart instead of a blank baseline, so that the
  /// next poll reports what changed while wagbot was stopped (a crash, a removal, a recovery).
  /// False, and nothing changed, when `saved` is not a snapshot.
  bool resume(const protocol::json& saved);

 private:
  struct tracked {
    protocol::container last;
    std::vector<std::int64_t> bounces;  ///< times it exited or restarted, within the window
    bool alerted = false;               ///< an exit/unhealthy alert is outstanding
    std::int64_t muted_until = 0;       ///< loop summaries back off until then
    int summaries = 0;
  };
  struct expectation {
    std::string action;
    std::int64_t at = 0;
  };
  bool explained(const std::string& name, const std::string& id, std::int64_t t) const;
  void bounce(tracked& c, const std::string& name, const std::string& why, std::int64_t t,
              std::vector<alert>& out);

  std::string host_;
  alert_settings settings_;
  bool first_poll_ = true;
  int failures_ = 0;
  bool down_announced_ = false;
  std::map<std::string, tracked> containers_;        ///< by name
  std::map<std::string, expectation> expectations_;  ///< by name or id, from the feed
};

/// Many alerts from one host at once → one digest (a reboot stops everything).
std::vector<alert> group_bursts(std::vector<alert> alerts, const alert_settings& settings);

/// How an alert reads in chat.
chat_reply render_alert(const alert& a);

/// Shell-style glob: `*` and `?`.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace wagbot::core
