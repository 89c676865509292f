#pragma once
// The configuration file, loaded and validated once at start. A bad value is a config_error
// that names its key; every problem of a file is reported at once (config_errors), and
// `wagbot check-config` and every subcommand exit 2 on them.
#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/alerts/config.hpp"
#include "wagbot/discord/config.hpp"
#include "wagbot/matrix/config.hpp"
#include "wagbot/net/tls.hpp"
#include "wagbot/net/url.hpp"
#include "wagbot/wagmios/host_config.hpp"

namespace wagbot::app {

// Each part's settings live beside it; the whole file is read here.
using host_config = wagmios::host_config;
using matrix_config = matrix::config;
using discord_config = discord::config;
using alerts_config = alerts::config;

/// A configuration problem; `key` is the dotted path of the bad entry ("hosts[1].url").
class config_error : public std::runtime_error {
 public:
  config_error(std::string key, const std::string& problem)
      : std::runtime_error(key + ": " + problem), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

/// Every problem of one file, in the order of the file; key() and what() are the first one's.
class config_errors : public config_error {
 public:
  explicit config_errors(std::vector<config_error> all)
      : config_error(all.at(0)), all_(std::move(all)) {}
  const std::vector<config_error>& all() const { return all_; }

 private:
  std::vector<config_error> all_;
};

/// A key given in the config instead of by `key add` (imported into the vault at start).
struct preset_key {
  std::string host;
  std::string secret;  ///< read from key_env or key_file; never printed
};

/// A person or an agent allowed to use the bot.
struct user_config {
  std::string name;
  bool admin = false;
  bool agent = false;
  std::vector<std::string> approvers;  ///< for agents: who confirms their destructive requests
  /// Their ids on each network ("shell", "matrix", "discord"): a network not listed here
  /// knows nobody by this user.
  std::map<std::string, std::vector<std::string>, std::less<>> ids;
  /// Their ids on `network` (none when the network is not listed).
  const std::vector<std::string>& ids_on(std::string_view network) const;
  std::vector<preset_key> keys;
};

struct timeouts_config {
  int request_seconds = 10;
  int pull_seconds = 120;
  int marketplace_start_seconds = 300;
  /// How long a container that was just started is watched before its start is reported (one
  /// that exits at once is reported as such); 0 reports at once.
  int settle_seconds = 3;
};

/// The loopback listener for /healthz, /readyz and /metrics; off unless `listen` is set.
struct observability_config {
  std::string address;     ///< IP literal, e.g. 127.0.0.1 or ::1
  std::uint16_t port = 0;  ///< 0 = any free port (logged at start)
  bool enabled() const { return !address.empty(); }
};

/// The optional LLM planner for lines nothing else understands; off unless the file has a
/// `planner:` section. Any OpenAI-compatible chat-completions endpoint with tool calls.
struct planner_config {
  bool enabled = false;
  std::string base_url;  ///< e.g. http://127.0.0.1:11434/v1 (Ollama)
  net::url base;
  net::tls_options tls;      ///< ca_file for a private endpoint
  std::string model;         ///< e.g. qwen2.5:7b
  std::string api_key;       ///< secret (api_key_env / _file); optional
  int timeout_seconds = 60;  ///< the whole request, connect included
  int max_actions = 3;       ///< tool calls one message may turn into (1-10)
};

struct config {
  std::filesystem::path path;  ///< the file it came from
  std::filesystem::path data_dir = "data";
  std::filesystem::path master_key_file;  ///< default <data_dir>/master.key
  std::string log_level = "info";         ///< debug | info | warn | error
  std::string log_format = "text";        ///< text | json
  int confirmation_timeout_seconds = 300;
  int scope_cache_seconds = 60;
  std::vector<std::string> protected_containers{"wagmios-backend", "wagmios-frontend"};
  bool allow_user_hosts = false;  ///< may `key add` name a URL not in `hosts`?
  timeouts_config timeouts;
  std::vector<host_config> hosts;
  std::vector<user_config> users;
  matrix_config matrix;
  discord_config discord;
  alerts_config alerts;
  planner_config planner;
  observability_config observability;

  const host_config* find_host(const std::string& alias) const;
  const user_config* find_user(const std::string& name) const;
  /// The user whose id on `network` is `id`.
  const user_config* user_by_network_id(const std::string& network, const std::string& id) const;
};

/// What load_config reads besides the file itself.
struct load_options {
  /// Read the secrets (`*_env` variables, `*_file` files). Off for `wagbot health`, which
  /// needs none: the keys naming them are still checked, their values are not read.
  bool secrets = true;
};

/// Reads and validates `file`; throws config_errors listing every problem (a file that cannot
/// be read or parsed: one config_error).
config load_config(const std::filesystem::path& file, const load_options& options = {});

}  // namespace wagbot::app
