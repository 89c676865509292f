#pragma once
// How hosts are watched for alerts, as the configuration gives it (app/config.cpp reads it).
#include <string>
#include <vector>

namespace wagbot::alerts {

/// How hosts are watched for alerts.
struct config {
  int poll_interval_seconds = 10;
  int unreachable_after = 3;  ///< failed polls in a row before "unreachable"
  int flap_window_seconds = 600;
  int flap_threshold = 3;
  int digest_threshold = 5;
};

}  // namespace wagbot::alerts
