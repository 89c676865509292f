#include "wagbot/app/config.hpp"

#include <algorithm>
#include <set>

#include "config_yaml.hpp"

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

const std::set<std::string> top_keys{"data_dir",
                                     "master_key_file",
                                     "log_level",
                                     "log_format",
                                     "confirmation_timeout",
                                     "scope_cache_seconds",
                                     "protected_containers",
                                     "allow_user_hosts",
                                     "timeouts",
                                     "hosts",
                                     "users",
                                     "matrix",
                                     "discord",
                                     "alerts",
                                     "agents",
                                     "command_prefix",
                                     "observability",
                                     "planner"};

YAML::Node load_yaml(const std::filesystem::path& file) {
  try {
    return YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw config_error("(file)", "cannot read " + file.string());
  } catch (const YAML::ParserException& e) {
    throw config_error("(syntax)", "line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace

config load_config(const std::filesystem::path& file) {
  using namespace config_yaml;
  YAML::Node root = load_yaml(file);
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  only_keys(root, "", top_keys);

  config c;
  c.path = file;
  const auto base = std::filesystem::absolute(file).parent_path();
  read_general(root, base, c);
  if (const auto hosts = root["hosts"]) read_hosts(hosts, base, c);
  if (const auto users = root["users"]) read_users(users, base, c);
  if (const auto m = root["matrix"]) read_matrix(m, base, c.matrix);
  c.matrix.crypto_store = (c.data_dir / "matrix-crypto").string();
  if (const auto d = root["discord"]) read_discord(d, base, c.discord);
  if (const auto a = root["alerts"]) read_alerts(a, c.alerts);
  if (const auto o = root["observability"]) read_observability(o, c.observability);
  if (const auto p = root["planner"]) read_planner(p, base, c.planner);
  check_references(c);
  return c;
}

}  // namespace wagbot::app
