// The sections about the bot itself and its people: general settings, hosts, users, and the
// cross-references between them.
#include <algorithm>
#include <map>
#include <regex>

#include "config_yaml.hpp"
#include "wagbot/core/redact.hpp"

namespace wagbot::app::config_yaml {

namespace {

void read_timeouts(const YAML::Node& t, context& ctx, timeouts_config& out) {
  only_keys(t, "timeouts", {"request", "pull", "marketplace_start", "settle"}, ctx);
  ctx.check([&] { out.request_seconds = positive(t["request"], "timeouts.request", 10); });
  ctx.check([&] { out.pull_seconds = positive(t["pull"], "timeouts.pull", 120); });
  ctx.check([&] {
    out.marketplace_start_seconds =
        positive(t["marketplace_start"], "timeouts.marketplace_start", 300);
  });
  ctx.check([&] {
    if (!t["settle"]) return;
    out.settle_seconds = scalar<int>(t["settle"], "timeouts.settle", "a number of seconds");
    if (out.settle_seconds < 0 || out.settle_seconds > 60)
      throw config_error("timeouts.settle", "must be 0 to 60 seconds");
  });
}

void read_logging(const YAML::Node& root, context& ctx, config& c) {
  ctx.check([&] {
    if (!root["log_level"]) return;
    c.log_level = scalar<std::string>(root["log_level"], "log_level", "a string");
    static const std::set<std::string> levels{"debug", "info", "warn", "error"};
    if (!levels.count(c.log_level))
      throw config_error("log_level", "must be debug, info, warn or error");
  });
  ctx.check([&] {
    if (!root["log_format"]) return;
    c.log_format = scalar<std::string>(root["log_format"], "log_format", "a string");
    if (c.log_format != "text" && c.log_format != "json")
      throw config_error("log_format", "must be text or json");
  });
}

/// The host's alias: unique, and a word a chat line can name.
void read_alias(const YAML::Node& h, const std::string& where, const config& c, host_config& hc) {
  static const std::regex alias_re("^[a-z0-9][a-z0-9_-]{0,31}$");
  if (!h["alias"]) throw config_error(where + ".alias", "is required");
  hc.alias = lower(scalar<std::string>(h["alias"], where + ".alias", "a string"));
  if (!std::regex_match(hc.alias, alias_re) || hc.alias == "all")
    throw config_error(where + ".alias", "must be 1-32 of a-z 0-9 _ - (and not `all`)");
  if (c.find_host(hc.alias))
    throw config_error(where + ".alias", "`" + hc.alias + "` is used twice");
}

/// The host's URL and its TLS settings, which only an https:// URL may have.
void read_host_url(const YAML::Node& h, const std::string& where, context& ctx, host_config& hc) {
  hc.base = http_url(h["url"], where + ".url", hc.url);
  ctx.check([&] {
    if (h["ca_file"])
      hc.tls.ca_file = existing_file(h["ca_file"], where + ".ca_file", ctx.base).string();
  });
  ctx.check([&] {
    if (!h["pinned_sha256"]) return;
    hc.tls.pinned_sha256 = net::normalise_fingerprint(
        scalar<std::string>(h["pinned_sha256"], where + ".pinned_sha256", "a string"));
    if (hc.tls.pinned_sha256.empty())
      throw config_error(where + ".pinned_sha256",
                         "must be 64 hex digits (':' separators allowed)");
  });
  if (!hc.base.tls() && (h["ca_file"] || h["pinned_sha256"]))
    throw config_error(where + ".url", "TLS settings need an https:// URL");
}

host_config read_host(const YAML::Node& h, const std::string& where, context& ctx,
                      const config& c) {
  only_keys(h, where,
            {"alias", "url", "description", "ca_file", "pinned_sha256", "monitor_key",
             "monitor_key_env", "monitor_key_file"},
            ctx);
  host_config hc;
  ctx.check([&] { read_alias(h, where, c, hc); });
  ctx.check([&] { read_host_url(h, where, ctx, hc); });
  ctx.check([&] {
    hc.description = strings(h["description"], where + ".description");
    for (auto& d : hc.description) d = lower(d);
  });
  ctx.check([&] {
    hc.monitor_key = secret_from(h, where, "monitor_key", ctx);
    if (!hc.monitor_key.empty() && !core::is_key(hc.monitor_key))
      throw config_error(where + ".monitor_key",
                         "is not a WAGMIOS key (wag_live_ followed by 44 characters)");
  });
  return hc;
}

preset_key read_preset_key(const YAML::Node& k, const std::string& where, context& ctx) {
  // `key` is accepted here only so that secret_from can refuse it with a clear reason.
  only_keys(k, where, {"host", "key", "key_env", "key_file"}, ctx);
  preset_key pk;
  ctx.check([&] {
    if (!k["host"]) throw config_error(where + ".host", "is required");
    pk.host = lower(scalar<std::string>(k["host"], where + ".host", "a host alias"));
  });
  ctx.check([&] {
    pk.secret = secret_from(k, where, "key", ctx);
    if (!names_secret(k, "key")) throw config_error(where, "needs key_env or key_file");
    if (ctx.options.secrets && !core::is_key(pk.secret))
      throw config_error(where, "is not a WAGMIOS key (wag_live_ followed by 44 characters)");
  });
  return pk;
}

/// The user's ids on each network; a Matrix id is @user:server, a Discord id a number.
void read_ids(const YAML::Node& u, const std::string& where, context& ctx, user_config& uc) {
  static const std::regex snowflake(R"(^[0-9]{1,20}$)");
  for (const char* network : {"shell", "matrix", "discord"})
    ctx.check([&] {
      const auto key = where + "." + network;
      auto ids = strings(u[network], key);
      for (std::size_t k = 0; k < ids.size(); ++k) {
        const auto at = key + "[" + std::to_string(k) + "]";
        if (network == std::string("matrix") && !is_matrix_id(ids[k]))
          ctx.problems.emplace_back(at, "`" + ids[k] +
                                            "` is not a Matrix user id; write it "
                                            "whole, like @alice:example.org");
        if (network == std::string("discord") && !std::regex_match(ids[k], snowflake))
          ctx.problems.emplace_back(at, "`" + ids[k] +
                                            "` is not a Discord user id (a number; "
                                            "quote it)");
      }
      if (!ids.empty()) uc.ids[network] = std::move(ids);
    });
}

user_config read_user(const YAML::Node& u, const std::string& where, context& ctx,
                      const config& c) {
  static const std::regex name_re("^[a-z0-9][a-z0-9_.-]{0,63}$");
  only_keys(u, where, {"name", "admin", "agent", "approvers", "shell", "matrix", "discord", "keys"},
            ctx);
  user_config uc;
  ctx.check([&] {
    if (!u["name"]) throw config_error(where + ".name", "is required");
    uc.name = scalar<std::string>(u["name"], where + ".name", "a string");
    if (!std::regex_match(uc.name, name_re))
      throw config_error(where + ".name", "must be 1-64 of a-z 0-9 _ . - (lower case)");
    if (c.find_user(uc.name))
      throw config_error(where + ".name", "`" + uc.name + "` is used twice");
  });
  optional_flag(u, where, "admin", uc.admin, ctx);
  optional_flag(u, where, "agent", uc.agent, ctx);
  ctx.check([&] { uc.approvers = strings(u["approvers"], where + ".approvers"); });
  read_ids(u, where, ctx, uc);
  ctx.check([&] {
    const auto keys = u["keys"];
    if (!keys) return;
    if (!keys.IsSequence()) throw config_error(where + ".keys", "must be a list");
    for (std::size_t k = 0; k < keys.size(); ++k) {
      preset_key pk;  // a blank for one that cannot be read, as in read_users
      ctx.check(
          [&] { pk = read_preset_key(keys[k], where + ".keys[" + std::to_string(k) + "]", ctx); });
      uc.keys.push_back(std::move(pk));
    }
  });
  return uc;
}

}  // namespace

void read_general(const YAML::Node& root, context& ctx, config& c) {
  ctx.check([&] {
    if (root["data_dir"]) c.data_dir = scalar<std::string>(root["data_dir"], "data_dir", "a path");
  });
  if (c.data_dir.is_relative()) c.data_dir = ctx.base / c.data_dir;
  c.master_key_file = c.data_dir / "master.key";
  ctx.check([&] {
    if (!root["master_key_file"]) return;
    c.master_key_file = scalar<std::string>(root["master_key_file"], "master_key_file", "a path");
    if (c.master_key_file.is_relative()) c.master_key_file = ctx.base / c.master_key_file;
  });
  read_logging(root, ctx, c);
  ctx.check([&] {
    c.confirmation_timeout_seconds =
        positive(root["confirmation_timeout"], "confirmation_timeout", 300);
  });
  ctx.check([&] {
    c.scope_cache_seconds = positive(root["scope_cache_seconds"], "scope_cache_seconds", 60);
  });
  ctx.check([&] {
    for (auto& name : strings(root["protected_containers"], "protected_containers"))
      // the two system containers stay protected whatever the file says
      if (std::find(c.protected_containers.begin(), c.protected_containers.end(), name) ==
          c.protected_containers.end())
        c.protected_containers.push_back(name);
  });
  optional_flag(root, "", "allow_user_hosts", c.allow_user_hosts, ctx);
  ctx.check([&] {
    if (const auto t = root["timeouts"]) read_timeouts(t, ctx, c.timeouts);
  });
}

void read_hosts(const YAML::Node& hosts, context& ctx, config& c) {
  if (!hosts.IsSequence()) throw config_error("hosts", "must be a list");
  for (std::size_t i = 0; i < hosts.size(); ++i)
    ctx.check([&] {
      c.hosts.push_back(read_host(hosts[i], "hosts[" + std::to_string(i) + "]", ctx, c));
    });
}

void read_users(const YAML::Node& users, context& ctx, config& c) {
  if (!users.IsSequence()) throw config_error("users", "must be a list");
  for (std::size_t i = 0; i < users.size(); ++i) {
    user_config uc;  // one that cannot be read at all stays a blank, so the indexes still match
    ctx.check([&] { uc = read_user(users[i], "users[" + std::to_string(i) + "]", ctx, c); });
    c.users.push_back(std::move(uc));
  }
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

void check_references(const config& c, context& ctx) {
  for (std::size_t i = 0; i < c.users.size(); ++i) {
    const auto& u = c.users[i];
    for (std::size_t k = 0; k < u.keys.size(); ++k)
      // An empty host was already reported as missing.
      if (!u.keys[k].host.empty() && !c.find_host(u.keys[k].host))
        ctx.problems.emplace_back(
            "users[" + std::to_string(i) + "].keys[" + std::to_string(k) + "].host",
            "no host `" + u.keys[k].host + "` in hosts");
    ctx.check([&] { check_approvers(c, u, "users[" + std::to_string(i) + "].approvers"); });
  }
  ctx.check([&] { check_shared_ids(c); });
}

}  // namespace wagbot::app::config_yaml
