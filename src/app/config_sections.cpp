// The sections about the bot itself and its people: general settings, hosts, users, and the
// cross-references between them.
#include <algorithm>
#include <map>
#include <regex>

#include "config_yaml.hpp"
#include "wagbot/core/redact.hpp"

namespace wagbot::app::config_yaml {

namespace {

void read_timeouts(const YAML::Node& t, timeouts_config& out) {
  only_keys(t, "timeouts", {"request", "pull", "marketplace_start", "settle"});
  out.request_seconds = positive(t["request"], "timeouts.request", 10);
  out.pull_seconds = positive(t["pull"], "timeouts.pull", 120);
  out.marketplace_start_seconds =
      positive(t["marketplace_start"], "timeouts.marketplace_start", 300);
  if (t["settle"]) {
    out.settle_seconds = scalar<int>(t["settle"], "timeouts.settle", "a number of seconds");
    if (out.settle_seconds < 0 || out.settle_seconds > 60)
      throw config_error("timeouts.settle", "must be 0 to 60 seconds");
  }
}

void read_logging(const YAML::Node& root, config& c) {
  if (root["log_level"]) {
    c.log_level = scalar<std::string>(root["log_level"], "log_level", "a string");
    static const std::set<std::string> levels{"debug", "info", "warn", "error"};
    if (!levels.count(c.log_level))
      throw config_error("log_level", "must be debug, info, warn or error");
  }
  if (root["log_format"]) {
    c.log_format = scalar<std::string>(root["log_format"], "log_format", "a string");
    if (c.log_format != "text" && c.log_format != "json")
      throw config_error("log_format", "must be text or json");
  }
}

host_config read_host(const YAML::Node& h, const std::string& where,
                      const std::filesystem::path& base, const config& c) {
  static const std::regex alias_re("^[a-z0-9][a-z0-9_-]{0,31}$");
  only_keys(h, where,
            {"alias", "url", "description", "ca_file", "pinned_sha256", "monitor_key",
             "monitor_key_env", "monitor_key_file"});
  host_config hc;
  if (!h["alias"]) throw config_error(where + ".alias", "is required");
  hc.alias = lower(scalar<std::string>(h["alias"], where + ".alias", "a string"));
  if (!std::regex_match(hc.alias, alias_re) || hc.alias == "all")
    throw config_error(where + ".alias", "must be 1-32 of a-z 0-9 _ - (and not `all`)");
  if (c.find_host(hc.alias))
    throw config_error(where + ".alias", "`" + hc.alias + "` is used twice");
  if (!h["url"]) throw config_error(where + ".url", "is required");
  hc.url = scalar<std::string>(h["url"], where + ".url", "a string");
  auto parsed = net::parse_url(hc.url);
  if (!parsed || parsed->websocket())
    throw config_error(where + ".url", "must be an http:// or https:// URL");
  hc.base = *parsed;
  hc.description = strings(h["description"], where + ".description");
  for (auto& d : hc.description) d = lower(d);
  if (h["ca_file"]) hc.tls.ca_file = existing_file(h["ca_file"], where + ".ca_file", base).string();
  if (h["pinned_sha256"]) {
    hc.tls.pinned_sha256 = net::normalise_fingerprint(
        scalar<std::string>(h["pinned_sha256"], where + ".pinned_sha256", "a string"));
    if (hc.tls.pinned_sha256.empty())
      throw config_error(where + ".pinned_sha256",
                         "must be 64 hex digits (':' separators allowed)");
  }
  hc.monitor_key = secret_from(h, where, "monitor_key", base);
  if (!hc.monitor_key.empty() && !core::is_key(hc.monitor_key))
    throw config_error(where + ".monitor_key",
                       "is not a WAGMIOS key (wag_live_ followed by 44 characters)");
  if (!hc.base.tls() && (!hc.tls.ca_file.empty() || !hc.tls.pinned_sha256.empty()))
    throw config_error(where + ".url", "TLS settings need an https:// URL");
  return hc;
}

preset_key read_preset_key(const YAML::Node& k, const std::string& where,
                           const std::filesystem::path& base) {
  // `key` is accepted here only so that secret_from can refuse it with a clear reason.
  only_keys(k, where, {"host", "key", "key_env", "key_file"});
  preset_key pk;
  if (!k["host"]) throw config_error(where + ".host", "is required");
  pk.host = lower(scalar<std::string>(k["host"], where + ".host", "a host alias"));
  pk.secret = secret_from(k, where, "key", base);
  if (pk.secret.empty()) throw config_error(where, "needs key_env or key_file");
  if (!core::is_key(pk.secret))
    throw config_error(where, "is not a WAGMIOS key (wag_live_ followed by 44 characters)");
  return pk;
}

user_config read_user(const YAML::Node& u, const std::string& where,
                      const std::filesystem::path& base, const config& c) {
  static const std::regex name_re("^[a-z0-9][a-z0-9_.-]{0,63}$");
  only_keys(u, where,
            {"name", "admin", "agent", "approvers", "shell", "matrix", "discord", "keys"});
  user_config uc;
  if (!u["name"]) throw config_error(where + ".name", "is required");
  uc.name = scalar<std::string>(u["name"], where + ".name", "a string");
  if (!std::regex_match(uc.name, name_re))
    throw config_error(where + ".name", "must be 1-64 of a-z 0-9 _ . - (lower case)");
  if (c.find_user(uc.name)) throw config_error(where + ".name", "`" + uc.name + "` is used twice");
  if (u["admin"]) uc.admin = scalar<bool>(u["admin"], where + ".admin", "true or false");
  if (u["agent"]) uc.agent = scalar<bool>(u["agent"], where + ".agent", "true or false");
  uc.approvers = strings(u["approvers"], where + ".approvers");
  for (const char* network : {"shell", "matrix", "discord"}) {
    auto ids = strings(u[network], where + "." + network);
    if (!ids.empty()) uc.ids[network] = std::move(ids);
  }
  if (const auto keys = u["keys"]) {
    if (!keys.IsSequence()) throw config_error(where + ".keys", "must be a list");
    for (std::size_t k = 0; k < keys.size(); ++k)
      uc.keys.push_back(read_preset_key(keys[k], where + ".keys[" + std::to_string(k) + "]", base));
  }
  return uc;
}

}  // namespace

void read_general(const YAML::Node& root, const std::filesystem::path& base, config& c) {
  if (root["data_dir"]) c.data_dir = scalar<std::string>(root["data_dir"], "data_dir", "a path");
  if (c.data_dir.is_relative()) c.data_dir = base / c.data_dir;
  c.master_key_file = c.data_dir / "master.key";
  if (root["master_key_file"]) {
    c.master_key_file = scalar<std::string>(root["master_key_file"], "master_key_file", "a path");
    if (c.master_key_file.is_relative()) c.master_key_file = base / c.master_key_file;
  }
  read_logging(root, c);
  c.confirmation_timeout_seconds =
      positive(root["confirmation_timeout"], "confirmation_timeout", 300);
  c.scope_cache_seconds = positive(root["scope_cache_seconds"], "scope_cache_seconds", 60);
  if (root["protected_containers"]) {
    auto extra = strings(root["protected_containers"], "protected_containers");
    for (auto& name : extra)  // the two system containers stay protected whatever the file says
      if (std::find(c.protected_containers.begin(), c.protected_containers.end(), name) ==
          c.protected_containers.end())
        c.protected_containers.push_back(name);
  }
  if (root["allow_user_hosts"])
    c.allow_user_hosts =
        scalar<bool>(root["allow_user_hosts"], "allow_user_hosts", "true or false");
  if (const auto t = root["timeouts"]) read_timeouts(t, c.timeouts);
}

void read_hosts(const YAML::Node& hosts, const std::filesystem::path& base, config& c) {
  if (!hosts.IsSequence()) throw config_error("hosts", "must be a list");
  for (std::size_t i = 0; i < hosts.size(); ++i)
    c.hosts.push_back(read_host(hosts[i], "hosts[" + std::to_string(i) + "]", base, c));
}

void read_users(const YAML::Node& users, const std::filesystem::path& base, config& c) {
  if (!users.IsSequence()) throw config_error("users", "must be a list");
  for (std::size_t i = 0; i < users.size(); ++i)
    c.users.push_back(read_user(users[i], "users[" + std::to_string(i) + "]", base, c));
}

namespace {
/// An agent's approvers are people: not the agent itself, not another agent (a confirmation
/// must always end with a human's yes).
void check_approvers(const config& c, const user_config& u, const std::string& where) {
  for (const auto& a : u.approvers) {
    const auto* approver = c.find_user(a);
    if (!approver) throw config_error(where, "no user `" + a + "`");
    if (a == u.name) throw config_error(where, "`" + a + "` cannot approve its own requests");
    if (approver->agent)
      throw config_error(where, "`" + a + "` is an agent; an agent's approvers must be humans");
  }
  if (u.agent && u.approvers.empty())
    throw config_error(where, "an agent needs at least one human approver");
}

/// One id on a network is one user: otherwise the first one listed would silently win.
void check_shared_ids(const config& c) {
  std::map<std::pair<std::string, std::string>, std::string> owner;  // (network, id) → user
  for (std::size_t i = 0; i < c.users.size(); ++i)
    for (const auto& [network, ids] : c.users[i].ids)
      for (std::size_t k = 0; k < ids.size(); ++k) {
        auto [it, fresh] = owner.emplace(std::make_pair(network, ids[k]), c.users[i].name);
        if (!fresh && it->second != c.users[i].name)
          throw config_error(
              "users[" + std::to_string(i) + "]." + network + "[" + std::to_string(k) + "]",
              "`" + ids[k] + "` is already " + it->second + "'s " + network + " id");
      }
}
}  // namespace

void check_references(const config& c) {
  for (std::size_t i = 0; i < c.users.size(); ++i) {
    const auto& u = c.users[i];
    for (std::size_t k = 0; k < u.keys.size(); ++k)
      if (!c.find_host(u.keys[k].host))
        throw config_error("users[" + std::to_string(i) + "].keys[" + std::to_string(k) + "].host",
                           "no host `" + u.keys[k].host + "` in hosts");
    check_approvers(c, u, "users[" + std::to_string(i) + "].approvers");
  }
  check_shared_ids(c);
}

}  // namespace wagbot::app::config_yaml
