#pragma once
// What the loopback listener answers: /healthz (the event loop answers), /readyz (every
// configured transport is connected), /metrics (Prometheus text). Also `wagbot health`.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wagbot/app/config.hpp"
#include "wagbot/core/metrics.hpp"
#include "wagbot/net/http_server.hpp"

namespace wagbot::app {

/// Each configured transport and whether it is connected now.
struct transport_readiness {
  std::string network;
  bool connected = false;
  std::string degraded;  ///< works in part, and why (shown, still ready)
};
using readiness = std::vector<transport_readiness>;

/// The answer to one request on the listener.
net::served observe_endpoint(std::string_view target, core::metrics& m, const readiness& ready,
                             bool stopping);

/// Copies this process's resident memory, CPU time and open files into `m` (from /proc).
void collect_process(core::metrics& m, double start_time);

/// `wagbot health`: GETs /healthz (or /readyz) on the configured listener; prints the answer
/// and returns 0 when it is 200, 1 otherwise.
int health_check(const config& cfg, bool ready);

}  // namespace wagbot::app
