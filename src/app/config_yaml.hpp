#pragma once
// Private to src/app/config*.cpp: the YAML helpers every section of the config file shares, and
// one reader per section. A reader notes each problem (a config_error naming the bad key) in
// its context and goes on with the next key, so that one run reports every problem; it throws
// only when the rest of its part cannot be read (a section that is not a mapping).
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "wagbot/app/config.hpp"

namespace wagbot::app::config_yaml {

/// One load of a file: where its relative paths start, what to read, and the problems so far.
struct context {
  std::filesystem::path base;  ///< the config file's folder
  load_options options;
  std::vector<config_error> problems;

  /// Runs `part`; a config_error it throws is noted and reading goes on after it.
  template <class F>
  void check(F&& part) {
    try {
      part();
    } catch (const config_error& e) {
      problems.push_back(e);
    }
  }
};

/// Notes every key of `node` not in `allowed`; `where` is its dotted path ("" = the top
/// level). Throws when `node` is not a mapping or has a key that is not a plain word.
void only_keys(const YAML::Node& node, const std::string& where,
               const std::set<std::string>& allowed, context& ctx);

/// `node` as a T, or a config_error saying `key` must be `what` ("a string").
template <class T>
T scalar(const YAML::Node& node, const std::string& key, const char* what) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw config_error(key, std::string("must be ") + what);
  }
}

/// `section[key]` into `out` when it is given: true or false (else a problem noted in `ctx`,
/// named `where`.`key`, or `key` at the top level, where `where` is "").
void optional_flag(const YAML::Node& section, const std::string& where, const char* key, bool& out,
                   context& ctx);

/// The http:// or https:// URL at `node` (named `key`), its text kept in `text`; "is required"
/// followed by `hint` when absent.
net::url http_url(const YAML::Node& node, const std::string& key, std::string& text,
                  const char* hint = "");

/// One string or a list of them; empty when the key is absent.
std::vector<std::string> strings(const YAML::Node& node, const std::string& key);

/// A whole number above zero, or `fallback` when the key is absent.
int positive(const YAML::Node& node, const std::string& key, int fallback);

/// `s` in lower case (ASCII).
std::string lower(std::string s);

/// A secret from `<name>_env` (environment variable) or `<name>_file` (Docker secrets);
/// empty when neither is given, or when the context reads no secrets. Relative files are read
/// from the config's folder.
std::string secret_from(const YAML::Node& node, const std::string& where, const std::string& name,
                        const context& ctx);
/// Whether `node` names a `<name>_env` or `<name>_file` (read or not).
bool names_secret(const YAML::Node& node, const std::string& name);
/// A Matrix user id: @localpart:server.
bool is_matrix_id(const std::string& id);

/// The path in `node` (relative to `base`), which must exist; for `ca_file` keys.
std::filesystem::path existing_file(const YAML::Node& node, const std::string& key,
                                    const std::filesystem::path& base);

/// data_dir, master_key_file, log_*, confirmation_timeout, scope_cache_seconds,
/// protected_containers, allow_user_hosts and timeouts.
void read_general(const YAML::Node& root, context& ctx, config& c);
/// The `hosts:` list.
void read_hosts(const YAML::Node& hosts, context& ctx, config& c);
/// The `users:` list, their ids and preset keys.
void read_users(const YAML::Node& users, context& ctx, config& c);
/// The `matrix:` section (turns Matrix on).
void read_matrix(const YAML::Node& m, context& ctx, matrix_config& mc);
/// The `discord:` section (turns Discord on).
void read_discord(const YAML::Node& d, context& ctx, discord_config& dc);
/// The `alerts:` section.
void read_alerts(const YAML::Node& a, context& ctx, alerts_config& ac);
/// The `observability:` section.
void read_observability(const YAML::Node& o, context& ctx, observability_config& oc);
/// The `planner:` section (turns the planner on).
void read_planner(const YAML::Node& p, context& ctx, planner_config& pc);
/// What users name (hosts, approvers) exists, once every section is read.
void check_references(const config& c, context& ctx);

}  // namespace wagbot::app::config_yaml
