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

/// Every section, each read whatever the others hold.
void read_sections(const YAML::Node& root, config_yaml::context& ctx, config& c) {
  using namespace config_yaml;
  read_general(root, ctx, c);
  ctx.check([&] {
    if (const auto hosts = root["hosts"]) read_hosts(hosts, ctx, c);
  });
  ctx.check([&] {
    if (const auto users = root["users"]) read_users(users, ctx, c);
  });
  ctx.check([&] {
    if (const auto m = root["matrix"]) read_matrix(m, ctx, c.matrix);
  });
  c.matrix.crypto_store = (c.data_dir / "matrix-crypto").string();
  ctx.check([&] {
    if (const auto d = root["discord"]) read_discord(d, ctx, c.discord);
  });
  ctx.check([&] {
    if (const auto a = root["alerts"]) read_alerts(a, ctx, c.alerts);
  });
  ctx.check([&] {
    if (const auto o = root["observability"]) read_observability(o, ctx, c.observability);
  });
  ctx.check([&] {
    if (const auto p = root["planner"]) read_planner(p, ctx, c.planner);
  });
  check_references(c, ctx);
}

}  // namespace

config load_config(const std::filesystem::path& file, const load_options& options) {
  using namespace config_yaml;
  const YAML::Node root = load_yaml(file);
  // An empty file is far more likely a wrong path or an unfinished copy than a wish for the
  // defaults (which configure no user, so nobody could use the bot).
  if (root.IsNull() || (root.IsMap() && root.size() == 0))
    throw config_error("(file)",
                       file.string() + " is empty; start from config/wagbot.example.yaml");
  context ctx{std::filesystem::absolute(file).parent_path(), options, {}};
  config c;
  c.path = file;
  ctx.check([&] { only_keys(root, "", top_keys, ctx); });
  if (root.IsMap()) read_sections(root, ctx, c);
  if (!ctx.problems.empty()) throw config_errors(std::move(ctx.problems));
  return c;
}

}  // namespace wagbot::app
