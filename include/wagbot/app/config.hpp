#pragma once
// The configuration file, loaded and validated once at start. A bad value is a config_error
// that names its key; `wagbot check-config` and every subcommand exit 2 on it.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "wagbot/net/tls.hpp"
#include "wagbot/net/url.hpp"

namespace wagbot::app {

/// A configuration problem; `key` is the dotted path of the bad entry ("hosts[1].url").
class config_error : public std::runtime_error {
 public:
  config_error(std::string key, const std::string& problem)
      : std::runtime_error(key + ": " + problem), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

/// A WAGMIOS host known to the bot.
struct host_config {
  std::string alias;                     ///< lower-case name used as @alias
  std::string url;                       ///< as written
  net::url base;                         ///< parsed
  net::tls_options tls;
  std::vector<std::string> description;  ///< words people use for it ("the nas")
  std::string monitor_key;               ///< secret (monitor_key_env / _file): watches it for alerts
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
  std::vector<std::string> shell, matrix, discord;  ///< their ids on each network
  std::vector<preset_key> keys;
};

struct timeouts_config {
  int request_seconds = 10;
  int pull_seconds = 120;
  int marketplace_start_seconds = 300;
};

/// The Matrix transport; present when the file has a `matrix:` section.
struct matrix_config {
  bool enabled = false;
  std::string homeserver;                 ///< e.g. https://matrix.example.org
  net::url base;
  net::tls_options tls;                   ///< ca_file for a private homeserver
  std::string user_id;                    ///< the bot's account, @wagbot:example.org
  std::string access_token;               ///< secret (access_token_env / _file); optional
  std::string password;                   ///< secret (password_env / _file); optional
  std::string device_id;                  ///< optional; kept from the first login otherwise
  std::string prefix = "!wag";            ///< command prefix in group rooms
  std::vector<std::string> allowed_inviters;  ///< "@user:server", ":server" or "*"
  int sync_timeout_ms = 30'000;
  int max_command_age_seconds = 600;      ///< older commands (sent while offline) are skipped
};

/// The Discord transport; present when the file has a `discord:` section.
struct discord_config {
  bool enabled = false;
  std::string token;                       ///< secret (token_env / token_file)
  std::string api_base = "https://discord.com/api/v10";
  net::url api;
  std::string application_id;              ///< optional: learnt from READY otherwise
  std::vector<std::string> guilds;         ///< slash commands are registered here (instantly)
  bool global_commands = false;            ///< also register globally (takes up to an hour)
  bool text_commands = false;              ///< `!wag …` in channels; needs the Message Content intent
  std::string prefix = "!wag";
  int shard_id = 0, shard_count = 1;
  bool compress = false;                   ///< gateway zlib-stream compression
};

/// How hosts are watched for alerts.
struct alerts_config {
  int poll_interval_seconds = 10;
  int unreachable_after = 3;     ///< failed polls in a row before "unreachable"
  int flap_window_seconds = 600;
  int flap_threshold = 3;
  int digest_threshold = 5;
};

/// The loopback listener for /healthz, /readyz and /metrics; off unless `listen` is set.
struct observability_config {
  std::string address;         ///< IP literal, e.g. 127.0.0.1 or ::1
  std::uint16_t port = 0;      ///< 0 = any free port (logged at start)
  bool enabled() const { return !address.empty(); }
};

/// The optional LLM planner for lines nothing else understands; off unless the file has a
/// `planner:` section. Any OpenAI-compatible chat-completions endpoint with tool calls.
struct planner_config {
  bool enabled = false;
  std::string base_url;                   ///< e.g. http://127.0.0.1:11434/v1 (Ollama)
  net::url base;
  net::tls_options tls;                   ///< ca_file for a private endpoint
  std::string model;                      ///< e.g. qwen2.5:7b
  std::string api_key;                    ///< secret (api_key_env / _file); optional
  int timeout_seconds = 60;               ///< the whole request, connect included
  int max_actions = 3;                    ///< tool calls one message may turn into (1-10)
};

struct config {
  std::filesystem::path path;           ///< the file it came from
  std::filesystem::path data_dir = "data";
  std::filesystem::path master_key_file;  ///< default <data_dir>/master.key
  std::string log_level = "info";       ///< debug | info | warn | error
  std::string log_format = "text";      ///< text | json
  int confirmation_timeout_seconds = 300;
  int scope_cache_seconds = 60;
  std::vector<std::string> protected_containers{"wagmios-backend", "wagmios-frontend"};
  bool allow_user_hosts = false;        ///< may `key add` name a URL not in `hosts`?
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

/// Reads and validates `file`; throws config_error.
config load_config(const std::filesystem::path& file);

}  // namespace wagbot::app
