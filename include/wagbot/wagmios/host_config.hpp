#pragma once
// What a WAGMIOS host is to wagbot, as the configuration gives it (app/config.cpp reads it).
#include <string>
#include <vector>

#include "wagbot/net/tls.hpp"
#include "wagbot/net/url.hpp"

namespace wagbot::wagmios {

/// A WAGMIOS host known to the bot.
struct host_config {
  std::string alias;  ///< lower-case name used as @alias
  std::string url;    ///< as written
  net::url base;      ///< parsed
  net::tls_options tls;
  std::vector<std::string> description;  ///< words people use for it ("the nas")
  std::string monitor_key;  ///< secret (monitor_key_env / _file): watches it for alerts
};

}  // namespace wagbot::wagmios
