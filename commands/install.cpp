#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto& app_id = act.args[0];
  std::string custom_name;
  protocol::json env = protocol::json::object();
  for (std::size_t i = 1; i < act.args.size(); ++i) {
    const auto& word = act.args[i];
    if (word == "as") {
      if (i + 1 >= act.args.size())
        co_return core::error_reply("`as` needs a name: `install " + app_id + " as <name>`.");
      custom_name = act.args[++i];
      continue;
    }
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0)
      co_return core::error_reply(
          "`" + word + "` is neither `as <name>` nor KEY=VALUE. Usage: " + ctx.spec.usage);
    env[word.substr(0, eq)] = word.substr(eq + 1);
  }
  protocol::json ports = protocol::json::object();
  for (const auto& p : act.option_values("publish")) {
    const auto colon = p.find(':');
    const auto container = colon == std::string::npos ? std::string{} : p.substr(colon + 1);
    if (colon == 0 || container.empty() ||
        container.find_first_not_of("0123456789") != std::string::npos)
      co_return core::error_reply("-p takes host:container, e.g. `-p 8097:8096`, not `" + p + "`.");
    ports[p.substr(0, colon)] = std::stoi(container);
  }
  // The app's own description gives its default port for the reply; an install does not
  // depend on it (a key may hold marketplace:write without marketplace:read).
  int default_port = 0;
  if (auto detail = co_await ctx.host.api->app(ctx.host.key, app_id); detail) {
    if (!detail->ports.empty())
      default_port = detail->ports.front();
    else
      default_port = detail->meta.default_port;
  }
  protocol::json body{{"app_id", app_id}, {"environment", env}, {"ports", ports}};
  if (!custom_name.empty()) body["custom_name"] = custom_name;

  auto created = co_await ctx.host.api->marketplace_create(ctx.host.key, body);
  if (!created) {
    if (created.error().code == "APP_NOT_FOUND")
      co_return core::error_reply("No app `" + app_id + "` in the marketplace of @" +
                                  ctx.host.alias + ". `apps <words>` searches it.");
    co_return ctx.fail(created.error());
  }
  const auto name = custom_name.empty() ? app_id : custom_name;
  auto started =
      co_await ctx.host.api->marketplace_start(ctx.host.key, name, created->compose_path);
  if (!started) {
    if (started.error().kind == errc::still_running)
      co_return core::say(core::tone::warning,
                          (created->app_name.empty() ? app_id : created->app_name) +
                              " is still starting on @" + ctx.host.alias + "; `ps @" +
                              ctx.host.alias + "` will show it.");
    auto r = ctx.fail(started.error());
    r.text("The compose file was written to " + created->compose_path + " but nothing started.");
    co_return r;
  }
  std::string port_text;
  if (!ports.empty()) {
    std::vector<std::string> host_ports;
    for (auto it = ports.begin(); it != ports.end(); ++it) host_ports.push_back(it.key());
    port_text = " (port " + join(host_ports) + ")";
  } else if (default_port > 0) {
    port_text = " (port " + std::to_string(default_port) + ")";
  }
  const auto label = created->app_name.empty() ? app_id : created->app_name;
  co_return core::ok_reply(label + " is installing on @" + ctx.host.alias + port_text +
                           ": project `" +
                           (started->container_name.empty() ? name : started->container_name) +
                           "`, compose file " + created->compose_path + ".");
}
}  // namespace

app::command make_install() {
  core::command_spec s;
  s.name = "install";
  s.summary = "Install a marketplace app: create its compose project, then start it (asks first)";
  s.usage = "install <app> [as <name>] [KEY=VALUE…] [-p host:container]… [@host]";
  s.args = {{"app", "marketplace app id", core::value_kind::app},
            {"settings", "as <name>, KEY=VALUE…", core::value_kind::text, false, true}};
  s.options = {{"publish", 'p', "host:container", "map a host port to the app's port", true}};
  s.scope = "marketplace:write";
  s.uses_host = true;
  s.destructive = true;
  s.examples = {"install jellyfin @media",
                "install uptime-kuma as kuma TZ=Europe/Paris -p 3002:3001"};
  return {s, run};
}

}  // namespace wagbot::commands
