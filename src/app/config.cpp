#include "wagbot/app/config.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "wagbot/core/redact.hpp"

namespace wagbot::app {

const host_config* config::find_host(const std::string& alias) const {
  for (const auto& h : hosts)
    if (h.alias == alias) return &h;
  return nullptr;
}

const user_config* config::find_user(const std::string& name) const {
  for (const auto& u : users)
    if (u.name == name) return &u;
  return nullptr;
}

const std::vector<std::string>& user_config::ids_on(std::string_view network) const {
  static const std::vector<std::string> none;
  auto it = ids.find(network);
  return it == ids.end() ? none : it->second;
}

const user_config* config::user_by_network_id(const std::string& network,
                                              const std::string& id) const {
  for (const auto& u : users) {
    const auto& known = u.ids_on(network);
    if (std::find(known.begin(), known.end(), id) != known.end()) return &u;
  }
  return nullptr;
}

namespace {

const std::set<std::string> top_keys{"data_dir", "master_key_file", "log_level", "log_format",
                                     "confirmation_timeout", "scope_cache_seconds",
                                     "protected_containers", "allow_user_hosts", "timeouts",
                                     "hosts", "users", "matrix", "discord", "alerts", "agents",
                                     "command_prefix", "observability", "planner"};

// "127.0.0.1:9464" or "[::1]:9464"; the address must be an IP literal (no name lookups).
void read_listen(const std::string& text, observability_config& out) {
  const auto colon = text.rfind(':');
  std::string address = colon == std::string::npos ? std::string{} : text.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  const auto port_text = colon == std::string::npos ? std::string{} : text.substr(colon + 1);
  boost::system::error_code ec;
  boost::asio::ip::make_address(address, ec);
  if (address.empty() || ec)
    throw config_error("observability.listen", "must be an IP address and a port, like 127.0.0.1:9464");
  int port = -1;
  if (!port_text.empty() && port_text.size() <= 5 &&
      port_text.find_first_not_of("0123456789") == std::string::npos)
    port = std::stoi(port_text);
  if (port < 0 || port > 65535)
    throw config_error("observability.listen", "the port must be a number from 0 to 65535");
  out.address = address;
  out.port = static_cast<std::uint16_t>(port);
}

void only_keys(const YAML::Node& node, const std::string& where, const std::set<std::string>& allowed) {
  if (!node.IsMap()) throw config_error(where.empty() ? "(top level)" : where, "must be a mapping");
  for (const auto& item : node) {
    // A key that is a list or a mapping (`? [a]: 1`) cannot be converted: say so, never throw
    // yaml-cpp's conversion error past load_config (found by tests/fuzz/config).
    if (!item.first.IsScalar())
      throw config_error(where.empty() ? "(top level)" : where, "keys must be plain words");
    const auto key = item.first.as<std::string>();
    const auto shown = key.empty() ? std::string("\"\"") : key;  // `? !` is an empty key
    if (!allowed.count(key))
      throw config_error(where.empty() ? shown : where + "." + shown, "unknown key (misspelt?)");
  }
}

template <class T>
T scalar(const YAML::Node& node, const std::string& key, const char* what) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw config_error(key, std::string("must be ") + what);
  }
}

std::vector<std::string> strings(const YAML::Node& node, const std::string& key) {
  if (!node) return {};
  if (node.IsScalar()) return {node.as<std::string>()};
  if (!node.IsSequence()) throw config_error(key, "must be a string or a list of strings");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(scalar<std::string>(node[i], key + "[" + std::to_string(i) + "]", "a string"));
  return out;
}

int positive(const YAML::Node& node, const std::string& key, int fallback) {
  if (!node) return fallback;
  int value = scalar<int>(node, key, "a whole number");
  if (value <= 0) throw config_error(key, "must be greater than zero");
  return value;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// A secret from `<name>_env` (environment variable) or `<name>_file` (Docker secrets).
std::string secret_from(const YAML::Node& node, const std::string& where, const std::string& name,
                        const std::filesystem::path& base) {
  const auto env_key = name + "_env";
  const auto file_key = name + "_file";
  if (node[env_key] && node[file_key])
    throw config_error(where, "give " + env_key + " or " + file_key + ", not both");
  if (node[env_key]) {
    const auto var = scalar<std::string>(node[env_key], where + "." + env_key, "a variable name");
    const char* value = std::getenv(var.c_str());
    if (!value || !*value) throw config_error(where + "." + env_key, "environment variable " + var + " is not set");
    return value;
  }
  if (node[file_key]) {
    std::filesystem::path file = scalar<std::string>(node[file_key], where + "." + file_key, "a path");
    if (file.is_relative()) file = base / file;
    std::ifstream in(file);
    if (!in) throw config_error(where + "." + file_key, "cannot read " + file.string());
    std::stringstream ss;
    ss << in.rdbuf();
    auto value = ss.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' '))
      value.pop_back();
    return value;
  }
  if (node[name])
    throw config_error(where + "." + name,
                       "secrets are not written in the config; use " + env_key + " or " + file_key);
  return {};
}

}  // namespace

config load_config(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw config_error("(file)", "cannot read " + file.string());
  } catch (const YAML::ParserException& e) {
    throw config_error("(syntax)", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  only_keys(root, "", top_keys);

  config c;
  c.path = file;
  const auto base = std::filesystem::absolute(file).parent_path();
  if (root["data_dir"]) c.data_dir = scalar<std::string>(root["data_dir"], "data_dir", "a path");
  if (c.data_dir.is_relative()) c.data_dir = base / c.data_dir;
  c.master_key_file = c.data_dir / "master.key";
  if (root["master_key_file"]) {
    c.master_key_file = scalar<std::string>(root["master_key_file"], "master_key_file", "a path");
    if (c.master_key_file.is_relative()) c.master_key_file = base / c.master_key_file;
  }
  if (root["log_level"]) {
    c.log_level = scalar<std::string>(root["log_level"], "log_level", "a string");
    static const std::set<std::string> levels{"debug", "info", "warn", "error"};
    if (!levels.count(c.log_level)) throw config_error("log_level", "must be debug, info, warn or error");
  }
  if (root["log_format"]) {
    c.log_format = scalar<std::string>(root["log_format"], "log_format", "a string");
    if (c.log_format != "text" && c.log_format != "json")
      throw config_error("log_format", "must be text or json");
  }
  c.confirmation_timeout_seconds = positive(root["confirmation_timeout"], "confirmation_timeout", 300);
  c.scope_cache_seconds = positive(root["scope_cache_seconds"], "scope_cache_seconds", 60);
  if (root["protected_containers"]) {
    auto extra = strings(root["protected_containers"], "protected_containers");
    for (auto& name : extra)  // the two system containers stay protected whatever the file says
      if (std::find(c.protected_containers.begin(), c.protected_containers.end(), name) ==
          c.protected_containers.end())
        c.protected_containers.push_back(name);
  }
  if (root["allow_user_hosts"])
    c.allow_user_hosts = scalar<bool>(root["allow_user_hosts"], "allow_user_hosts", "true or false");
  if (const auto t = root["timeouts"]) {
    only_keys(t, "timeouts", {"request", "pull", "marketplace_start"});
    c.timeouts.request_seconds = positive(t["request"], "timeouts.request", 10);
    c.timeouts.pull_seconds = positive(t["pull"], "timeouts.pull", 120);
    c.timeouts.marketplace_start_seconds = positive(t["marketplace_start"], "timeouts.marketplace_start", 300);
  }

  static const std::regex alias_re("^[a-z0-9][a-z0-9_-]{0,31}$");
  if (const auto hosts = root["hosts"]) {
    if (!hosts.IsSequence()) throw config_error("hosts", "must be a list");
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      const auto where = "hosts[" + std::to_string(i) + "]";
      const auto h = hosts[i];
      only_keys(h, where, {"alias", "url", "description", "ca_file", "pinned_sha256", "monitor_key",
                           "monitor_key_env", "monitor_key_file"});
      host_config hc;
      if (!h["alias"]) throw config_error(where + ".alias", "is required");
      hc.alias = lower(scalar<std::string>(h["alias"], where + ".alias", "a string"));
      if (!std::regex_match(hc.alias, alias_re) || hc.alias == "all")
        throw config_error(where + ".alias", "must be 1-32 of a-z 0-9 _ - (and not `all`)");
      if (c.find_host(hc.alias)) throw config_error(where + ".alias", "`" + hc.alias + "` is used twice");
      if (!h["url"]) throw config_error(where + ".url", "is required");
      hc.url = scalar<std::string>(h["url"], where + ".url", "a string");
      auto parsed = net::parse_url(hc.url);
      if (!parsed || parsed->websocket()) throw config_error(where + ".url", "must be an http:// or https:// URL");
      hc.base = *parsed;
      hc.description = strings(h["description"], where + ".description");
      for (auto& d : hc.description) d = lower(d);
      if (h["ca_file"]) {
        std::filesystem::path ca = scalar<std::string>(h["ca_file"], where + ".ca_file", "a path");
        if (ca.is_relative()) ca = base / ca;
        if (!std::filesystem::exists(ca)) throw config_error(where + ".ca_file", "no such file " + ca.string());
        hc.tls.ca_file = ca.string();
      }
      if (h["pinned_sha256"]) {
        hc.tls.pinned_sha256 = net::normalise_fingerprint(
            scalar<std::string>(h["pinned_sha256"], where + ".pinned_sha256", "a string"));
        if (hc.tls.pinned_sha256.empty())
          throw config_error(where + ".pinned_sha256", "must be 64 hex digits (':' separators allowed)");
      }
      hc.monitor_key = secret_from(h, where, "monitor_key", base);
      if (!hc.monitor_key.empty() && !core::is_key(hc.monitor_key))
        throw config_error(where + ".monitor_key", "is not a WAGMIOS key (wag_live_ followed by 44 characters)");
      if (!hc.base.tls() && (!hc.tls.ca_file.empty() || !hc.tls.pinned_sha256.empty()))
        throw config_error(where + ".url", "TLS settings need an https:// URL");
      c.hosts.push_back(std::move(hc));
    }
  }

  static const std::regex name_re("^[a-z0-9][a-z0-9_.-]{0,63}$");
  if (const auto users = root["users"]) {
    if (!users.IsSequence()) throw config_error("users", "must be a list");
    for (std::size_t i = 0; i < users.size(); ++i) {
      const auto where = "users[" + std::to_string(i) + "]";
      const auto u = users[i];
      only_keys(u, where, {"name", "admin", "agent", "approvers", "shell", "matrix", "discord", "keys"});
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
        for (std::size_t k = 0; k < keys.size(); ++k) {
          const auto kwhere = where + ".keys[" + std::to_string(k) + "]";
          // `key` is accepted here only so that secret_from can refuse it with a clear reason.
          only_keys(keys[k], kwhere, {"host", "key", "key_env", "key_file"});
          preset_key pk;
          if (!keys[k]["host"]) throw config_error(kwhere + ".host", "is required");
          pk.host = lower(scalar<std::string>(keys[k]["host"], kwhere + ".host", "a host alias"));
          pk.secret = secret_from(keys[k], kwhere, "key", base);
          if (pk.secret.empty()) throw config_error(kwhere, "needs key_env or key_file");
          if (!core::is_key(pk.secret))
            throw config_error(kwhere, "is not a WAGMIOS key (wag_live_ followed by 44 characters)");
          uc.keys.push_back(std::move(pk));
        }
      }
      c.users.push_back(std::move(uc));
    }
  }
  if (const auto m = root["matrix"]) {
    only_keys(m, "matrix", {"homeserver", "ca_file", "user_id", "access_token", "access_token_env",
                            "access_token_file", "password", "password_env", "password_file",
                            "device_id", "prefix", "allowed_inviters", "sync_timeout_ms",
                            "max_command_age"});
    auto& mc = c.matrix;
    mc.enabled = true;
    if (!m["homeserver"]) throw config_error("matrix.homeserver", "is required");
    mc.homeserver = scalar<std::string>(m["homeserver"], "matrix.homeserver", "a URL");
    auto parsed = net::parse_url(mc.homeserver);
    if (!parsed || parsed->websocket())
      throw config_error("matrix.homeserver", "must be an http:// or https:// URL");
    mc.base = *parsed;
    if (m["ca_file"]) {
      std::filesystem::path ca = scalar<std::string>(m["ca_file"], "matrix.ca_file", "a path");
      if (ca.is_relative()) ca = base / ca;
      if (!std::filesystem::exists(ca)) throw config_error("matrix.ca_file", "no such file " + ca.string());
      mc.tls.ca_file = ca.string();
    }
    if (!m["user_id"]) throw config_error("matrix.user_id", "is required");
    mc.user_id = scalar<std::string>(m["user_id"], "matrix.user_id", "a Matrix user id");
    static const std::regex mxid_re(R"(^@[^:\s]+:[^\s]+$)");
    if (!std::regex_match(mc.user_id, mxid_re))
      throw config_error("matrix.user_id", "must look like @wagbot:example.org");
    mc.access_token = secret_from(m, "matrix", "access_token", base);
    mc.password = secret_from(m, "matrix", "password", base);
    if (mc.access_token.empty() && mc.password.empty())
      throw config_error("matrix", "needs access_token_env/_file or password_env/_file");
    if (m["device_id"]) mc.device_id = scalar<std::string>(m["device_id"], "matrix.device_id", "a string");
    if (m["prefix"]) {
      mc.prefix = scalar<std::string>(m["prefix"], "matrix.prefix", "a string");
      if (mc.prefix.empty() || mc.prefix.find(' ') != std::string::npos)
        throw config_error("matrix.prefix", "must be one word, e.g. !wag");
    }
    mc.allowed_inviters = strings(m["allowed_inviters"], "matrix.allowed_inviters");
    for (std::size_t i = 0; i < mc.allowed_inviters.size(); ++i) {
      const auto& a = mc.allowed_inviters[i];
      if (a != "*" && a.empty() == false && a[0] != '@' && a[0] != ':')
        throw config_error("matrix.allowed_inviters[" + std::to_string(i) + "]",
                           "must be @user:server, :server or *");
    }
    if (m["sync_timeout_ms"]) mc.sync_timeout_ms = positive(m["sync_timeout_ms"], "matrix.sync_timeout_ms", 30000);
    if (m["max_command_age"]) mc.max_command_age_seconds = positive(m["max_command_age"], "matrix.max_command_age", 600);
  }

  if (const auto d = root["discord"]) {
    only_keys(d, "discord", {"token", "token_env", "token_file", "api_base", "application_id", "guilds",
                             "global_commands", "text_commands", "prefix", "shard", "compress"});
    auto& dc = c.discord;
    dc.enabled = true;
    dc.token = secret_from(d, "discord", "token", base);
    if (dc.token.empty()) throw config_error("discord", "needs token_env or token_file");
    if (d["api_base"]) dc.api_base = scalar<std::string>(d["api_base"], "discord.api_base", "a URL");
    auto api = net::parse_url(dc.api_base);
    if (!api || api->websocket()) throw config_error("discord.api_base", "must be an http(s) URL");
    dc.api = *api;
    static const std::regex snowflake(R"(^[0-9]{1,20}$)");
    if (d["application_id"]) {
      dc.application_id = scalar<std::string>(d["application_id"], "discord.application_id", "an id");
      if (!std::regex_match(dc.application_id, snowflake)) throw config_error("discord.application_id", "must be a numeric id");
    }
    dc.guilds = strings(d["guilds"], "discord.guilds");
    for (std::size_t i = 0; i < dc.guilds.size(); ++i)
      if (!std::regex_match(dc.guilds[i], snowflake))
        throw config_error("discord.guilds[" + std::to_string(i) + "]", "must be a numeric id (quote it)");
    if (d["global_commands"]) dc.global_commands = scalar<bool>(d["global_commands"], "discord.global_commands", "true or false");
    if (d["text_commands"]) dc.text_commands = scalar<bool>(d["text_commands"], "discord.text_commands", "true or false");
    if (d["prefix"]) dc.prefix = scalar<std::string>(d["prefix"], "discord.prefix", "a string");
    if (d["compress"]) dc.compress = scalar<bool>(d["compress"], "discord.compress", "true or false");
    if (const auto shard = d["shard"]) {
      if (!shard.IsSequence() || shard.size() != 2) throw config_error("discord.shard", "must be [shard_id, shard_count]");
      dc.shard_id = scalar<int>(shard[0], "discord.shard[0]", "a whole number");
      dc.shard_count = scalar<int>(shard[1], "discord.shard[1]", "a whole number");
      if (dc.shard_count < 1 || dc.shard_id < 0 || dc.shard_id >= dc.shard_count)
        throw config_error("discord.shard", "needs 0 <= shard_id < shard_count");
    }
    if (!dc.global_commands && dc.guilds.empty() && !dc.text_commands)
      throw config_error("discord.guilds", "list the guilds to register slash commands in (or set global_commands)");
  }

  if (const auto a = root["alerts"]) {
    only_keys(a, "alerts", {"poll_interval", "unreachable_after", "flap_window", "flap_threshold", "digest_threshold"});
    auto& ac = c.alerts;
    ac.poll_interval_seconds = positive(a["poll_interval"], "alerts.poll_interval", 10);
    ac.unreachable_after = positive(a["unreachable_after"], "alerts.unreachable_after", 3);
    ac.flap_window_seconds = positive(a["flap_window"], "alerts.flap_window", 600);
    ac.flap_threshold = positive(a["flap_threshold"], "alerts.flap_threshold", 3);
    ac.digest_threshold = positive(a["digest_threshold"], "alerts.digest_threshold", 5);
    if (ac.poll_interval_seconds < 2) throw config_error("alerts.poll_interval", "must be at least 2 seconds");
  }

  if (const auto o = root["observability"]) {
    only_keys(o, "observability", {"listen"});
    if (o["listen"]) read_listen(scalar<std::string>(o["listen"], "observability.listen", "a string"), c.observability);
  }

  if (const auto p = root["planner"]) {
    only_keys(p, "planner", {"base_url", "model", "api_key", "api_key_env", "api_key_file", "ca_file", "timeout",
                             "max_actions"});
    auto& pc = c.planner;
    pc.enabled = true;
    if (!p["base_url"]) throw config_error("planner.base_url", "is required (e.g. http://127.0.0.1:11434/v1)");
    pc.base_url = scalar<std::string>(p["base_url"], "planner.base_url", "a URL");
    auto parsed = net::parse_url(pc.base_url);
    if (!parsed || parsed->websocket()) throw config_error("planner.base_url", "must be an http:// or https:// URL");
    pc.base = *parsed;
    if (!p["model"]) throw config_error("planner.model", "is required");
    pc.model = scalar<std::string>(p["model"], "planner.model", "a model name");
    if (pc.model.empty()) throw config_error("planner.model", "must not be empty");
    pc.api_key = secret_from(p, "planner", "api_key", base);
    if (p["ca_file"]) {
      std::filesystem::path ca = scalar<std::string>(p["ca_file"], "planner.ca_file", "a path");
      if (ca.is_relative()) ca = base / ca;
      if (!std::filesystem::exists(ca)) throw config_error("planner.ca_file", "no such file " + ca.string());
      if (!pc.base.tls()) throw config_error("planner.ca_file", "needs an https:// base_url");
      pc.tls.ca_file = ca.string();
    }
    pc.timeout_seconds = positive(p["timeout"], "planner.timeout", 60);
    pc.max_actions = positive(p["max_actions"], "planner.max_actions", 3);
    if (pc.max_actions > 10) throw config_error("planner.max_actions", "must be at most 10");
  }

  // Cross-references, once everything is read.
  for (std::size_t i = 0; i < c.users.size(); ++i) {
    const auto& u = c.users[i];
    for (std::size_t k = 0; k < u.keys.size(); ++k)
      if (!c.find_host(u.keys[k].host))
        throw config_error("users[" + std::to_string(i) + "].keys[" + std::to_string(k) + "].host",
                           "no host `" + u.keys[k].host + "` in hosts");
    for (const auto& a : u.approvers)
      if (!c.find_user(a))
        throw config_error("users[" + std::to_string(i) + "].approvers", "no user `" + a + "`");
    if (u.agent && u.approvers.empty())
      throw config_error("users[" + std::to_string(i) + "].approvers",
                         "an agent needs at least one human approver");
  }
  return c;
}

}  // namespace wagbot::app
