#pragma once
// Private to src/app/config*.cpp: the YAML helpers every section of the config file shares, and
// one reader per section. Each reader throws config_error naming the bad key, like load_config.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "wagbot/app/config.hpp"

namespace wagbot::app::config_yaml {

/// Refuses a key of `node` not in `allowed`; `where` is its dotted path ("" = the top level).
void only_keys(const YAML::Node& node, const std::string& where,
               const std::set<std::string>& allowed);

/// `node` as a T, or a config_error saying `key` must be `what` ("a string").
template <class T>
T scalar(const YAML::Node& node, const std::string& key, const char* what) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw config_error(key, std::string("must be ") + what);
  }
}

/// One string or a list of them; empty when the key is absent.
std::vector<std::string> strings(const YAML::Node& node, const std::string& key);

/// A whole number above zero, or `fallback` when the key is absent.
int positive(const YAML::Node& node, const std::string& key, int fallback);

/// `s` in lower case (ASCII).
std::string lower(std::string s);

/// A secret from `<name>_env` (environment variable) or `<name>_file` (Docker secrets);
/// empty when neither is given. Relative files are read from `base` (the config's folder).
std::string secret_from(const YAML::Node& node, const std::string& where, const std::string& name,
                        const std::filesystem::path& base);

/// The path in `node` (relative to `base`), which must exist; for `ca_file` keys.
std::filesystem::path existing_file(const YAML::Node& node, const std::string& key,
                                    const std::filesystem::path& base);

/// data_dir, master_key_file, log_*, confirmation_timeout, scope_cache_seconds,
/// protected_containers, allow_user_hosts and timeouts.
void read_general(const YAML::Node& root, const std::filesystem::path& base, config& c);
/// The `hosts:` list.
void read_hosts(const YAML::Node& hosts, const std::filesystem::path& base, config& c);
/// The `users:` list, their ids and preset keys.
void read_users(const YAML::Node& users, const std::filesystem::path& base, config& c);
/// The `matrix:` section (turns Matrix on).
void read_matrix(const YAML::Node& m, const std::filesystem::path& base, matrix_config& mc);
/// The `discord:` section (turns Discord on).
void read_discord(const YAML::Node& d, const std::filesystem::path& base, discord_config& dc);
/// The `alerts:` section.
void read_alerts(const YAML::Node& a, alerts_config& ac);
/// The `observability:` section.
void read_observability(const YAML::Node& o, observability_config& oc);
/// The `planner:` section (turns the planner on).
void read_planner(const YAML::Node& p, const std::filesystem::path& base, planner_config& pc);
/// What users name (hosts, approvers) exists, once every section is read.
void check_references(const config& c);

}  // namespace wagbot::app::config_yaml
