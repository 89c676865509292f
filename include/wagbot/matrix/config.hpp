#pragma once
// The Matrix transport's settings, as the configuration gives them (app/config.cpp reads them).
#include <string>
#include <vector>

#include "wagbot/net/tls.hpp"
#include "wagbot/net/url.hpp"

namespace wagbot::matrix {

/// The Matrix transport; present when the file has a `matrix:` section.
struct config {
  bool enabled = false;
  std::string homeserver;  ///< e.g. https://matrix.example.org
  net::url base;
  net::tls_options tls;                       ///< ca_file for a private homeserver
  std::string user_id;                        ///< the bot's account, @wagbot:example.org
  std::string access_token;                   ///< secret (access_token_env / _file); optional
  std::string password;                       ///< secret (password_env / _file); optional
  std::string device_id;                      ///< optional; kept from the first login otherwise
  std::string prefix = "!wag";                ///< command prefix in group rooms
  std::vector<std::string> allowed_inviters;  ///< "@user:server", ":server" or "*"
  int sync_timeout_ms = 30'000;
  int max_command_age_seconds = 600;  ///< older commands (sent while offline) are skipped
  /// End-to-end encryption in encrypted rooms (when built with it: e2ee_built()).
  bool e2ee = true;
  /// secret (recovery_key_env / _file): joins the cross-signing identity set up in Element.
  std::string recovery_key;
  /// Where the crypto store lives: <data_dir>/matrix-crypto (set by the app).
  std::string crypto_store;
};

}  // namespace wagbot::matrix
