#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/outcome.hpp"
#include "wagbot/core/arguments.hpp"
#include "wagbot/core/docker_reason.hpp"
#include "wagbot/core/error_text.hpp"
#include "wagbot/core/spelling.hpp"

namespace wagbot::commands {

namespace {
/// An install as the command line gives it, read once; `problem` is what the host would
/// refuse (shown before any yes is asked).
struct install_request {
  std::string app_id, custom_name, problem;
  protocol::json env = protocol::json::object();
  protocol::json ports = protocol::json::object();
};

install_request read_install(const core::action& act, const std::string& usage) {
  install_request r;
  r.app_id = act.args[0];
  auto refuse = [&](std::string why) {
    if (r.problem.empty()) r.problem = std::move(why);
  };
  if (auto why = core::bad_app_id(r.app_id)) refuse(*why);
  for (std::size_t i = 1; i < act.args.size(); ++i) {
    const auto& word = act.args[i];
    if (word == "as") {
      if (i + 1 >= act.args.size()) {
        refuse("`as` needs a name: `install " + r.app_id + " as <name>`.");
        break;
      }
      r.custom_name = act.args[++i];
      if (auto why = core::bad_app_id(r.custom_name, "project name")) refuse(*why);
      continue;
    }
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      refuse("`" + word + "` is neither `as <name>` nor KEY=VALUE. Usage: " + usage);
      continue;
    }
    const auto key = word.substr(0, eq), value = word.substr(eq + 1);
    if (auto why = core::bad_app_setting(key, value)) refuse(*why);
    r.env[key] = value;
  }
  for (const auto& p : act.option_values("publish")) {
    const auto colon = p.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == p.size()) {
      refuse("-p takes host:container, e.g. `-p 8097:8096`, not `" + p + "`.");
      continue;
    }
    const auto host = p.substr(0, colon), container = p.substr(colon + 1);
    if (auto why = core::bad_port(host, false)) refuse("-p " + p + ": " + *why);
    if (auto why = core::bad_port(container, false)) refuse("-p " + p + ": " + *why);
    if (r.problem.empty()) r.ports[host] = std::stoi(container);
  }
  return r;
}

/// The settings the app marks as required, has no default for, and were not given.
std::vector<const protocol::env_spec*> missing_settings(const protocol::app_detail& app,
                                                        const protocol::json& given) {
  std::vector<const protocol::env_spec*> missing;
  for (const auto& e : app.environment)
    if (e.required && e.default_value.value_or("").empty() && !given.contains(e.name))
      missing.push_back(&e);
  return missing;
}

/// An app id or name without case and punctuation: "Open WebUI", "open-webui" → "openwebui".
std::string squeezed(std::string_view text) {
  std::string out;
  for (char c : text)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

using catalogue = std::vector<protocol::app_summary>;

/// The catalogue id of the one app whose id or display name is `said` but for case and
/// punctuation; nullopt when none or several are.
std::optional<std::string> catalogue_id(const catalogue& apps, const std::string& said) {
  std::optional<std::string> found;
  for (const auto& a : apps)
    if (squeezed(a.id) == squeezed(said) || squeezed(a.name) == squeezed(said)) {
      if (found && *found != a.id) return std::nullopt;
      found = a.id;
    }
  return found;
}

core::chat_reply app_not_found(const app::command_context& ctx, const std::string& app_id,
                               const catalogue& apps) {
  std::vector<core::spelling> ids;
  for (const auto& a : apps) ids.push_back({a.id, {squeezed(a.id), squeezed(a.name)}});
  const auto near = core::nearest(squeezed(app_id), ids);
  if (near.empty()) return no_such_app(ctx, app_id);
  // A question back: `install <the id>` is one word away.
  return core::say(core::tone::info, "No app `" + app_id + "` in the marketplace of @" +
                                         ctx.host.alias + ". Did you mean " + core::choices(near) +
                                         "?");
}

/// A compose up that failed: compose's reason, and the containers it left behind in
/// `created`, with the `rm` of the first one offered (it asks for its yes like any rm).
boost::asio::awaitable<core::chat_reply> start_failed(app::command_context& ctx,
                                                      const error& failure,
                                                      const std::string& project,
                                                      const protocol::marketplace_created& made) {
  if (failure.code != "COMPOSE_UP_FAILED") {
    auto r = ctx.fail(failure);
    r.text("The compose file was written to " + made.compose_path + " but nothing started.");
    co_return r;
  }
  const auto label = made.app_name.empty() ? made.app_id : made.app_name;
  auto r = core::error_reply(label + " did not start on @" + ctx.host.alias + ": " +
                             core::compose_reason(failure.message) + ".");
  r.error_code = core::reply_code::compose_up_failed;
  r.text("Its compose file stays at " + made.compose_path + ".");
  std::vector<std::string> left;
  if (auto list = co_await ctx.host.api->containers(ctx.host.key))
    for (const auto& c : *list) {
      auto n = c.name.starts_with("/") ? c.name.substr(1) : c.name;
      if (n.starts_with(project + "-") && c.status == "created") left.push_back(n);
    }
  if (left.empty()) co_return r;
  std::string names;
  for (const auto& n : left) names += (names.empty() ? "`" : ", `") + n + "`";
  r.text("It left " + names + " behind, created but not running.");
  core::action rm;
  rm.command = "rm";
  rm.host = ctx.host.alias;
  rm.args = {left.front()};
  auto offer = co_await ctx.dispatch.run(ctx.who, rm);
  // One message: what failed, then the rm's own prompt (or why it cannot be offered).
  offer.blocks.insert(offer.blocks.begin(), r.blocks.begin(), r.blocks.end());
  if (offer.confirmation_id.empty()) offer.mood = core::tone::error;
  offer.error_code = r.error_code;
  co_return offer;
}

boost::asio::awaitable<std::optional<core::chat_reply>> check(app::command_context& ctx,
                                                              core::action& act) {
  auto r = read_install(act, ctx.spec.usage);
  if (!r.problem.empty()) co_return core::error_reply(r.problem + " Nothing was installed.");
  // The host does not enforce the settings an app needs: wagbot asks for them first. Without
  // marketplace:read (or when the catalogue cannot show the app) the host decides alone.
  auto detail = co_await ctx.host.api->app(ctx.host.key, r.app_id);
  if (!detail && detail.error().code == "APP_NOT_FOUND") {
    // "open webui", "home assistant": the one app whose id or name it spells is meant.
    auto apps = co_await ctx.host.api->marketplace(ctx.host.key);
    const auto listed = apps ? std::move(*apps) : catalogue{};
    auto id = catalogue_id(listed, r.app_id);
    if (!id) co_return app_not_found(ctx, r.app_id, listed);
    act.args[0] = r.app_id = *id;
    detail = co_await ctx.host.api->app(ctx.host.key, r.app_id);
  }
  if (!detail) co_return std::nullopt;
  const auto missing = missing_settings(*detail, r.env);
  if (missing.empty()) co_return std::nullopt;
  std::string names, example;
  for (const auto* e : missing) {
    names += (names.empty() ? "" : ", ") + ("`" + e->name + "`") +
             (e->description.empty() ? "" : " (" + e->description + ")");
    example += " " + e->name + "=…";
  }
  co_return core::error_reply(
      (detail->meta.name.empty() ? r.app_id : detail->meta.name) + " needs " +
      (missing.size() == 1 ? "a setting" : "settings") + " it has no default for: " + names +
      ". Give " + (missing.size() == 1 ? "it" : "them") + " on the line: `install " + r.app_id +
      example + " @" + ctx.host.alias + "`. Nothing was installed.");
}

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto req = read_install(act, ctx.spec.usage);
  if (!req.problem.empty()) co_return core::error_reply(req.problem + " Nothing was installed.");
  const auto& app_id = req.app_id;
  const auto& custom_name = req.custom_name;
  const auto& env = req.env;
  const auto& ports = req.ports;
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
  if (!created)
    co_return created.error().code == "APP_NOT_FOUND" ? no_such_app(ctx, app_id)
                                                      : ctx.fail(created.error());
  const auto name = custom_name.empty() ? app_id : custom_name;
  auto started =
      co_await ctx.host.api->marketplace_start(ctx.host.key, name, created->compose_path);
  if (!started) {
    if (started.error().kind == errc::still_running)
      co_return core::say(core::tone::warning,
                          (created->app_name.empty() ? app_id : created->app_name) +
                              " is still starting on @" + ctx.host.alias + "; `ps @" +
                              ctx.host.alias + "` will show it.");
    co_return co_await start_failed(ctx, started.error(), name, *created);
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
  const auto project = started->container_name.empty() ? name : started->container_name;
  auto said =
      core::ok_reply(label + " is installing on @" + ctx.host.alias + port_text + ": project `" +
                     project + "`, compose file " + created->compose_path + ".");
  // Compose names the containers <project>-<service>-<n>: watch them settle.
  app::watched_names watched = [prefix = project + "-"](const std::string& n) {
    return n.starts_with(prefix) || n.starts_with("/" + prefix);
  };
  co_return co_await app::settled(ctx, std::move(watched), "started", std::move(said));
}
}  // namespace

app::command make_install() {
  auto s =
      host_spec("install",
                "Install a marketplace app: create its compose project, then start it (asks first)",
                "marketplace:write",
                {{"app", "marketplace app id", core::value_kind::app},
                 {"settings", "as <name>, KEY=VALUE…", core::value_kind::text, false, true}});
  s.usage = "install <app> [as <name>] [KEY=VALUE…] [-p host:container]… [@host]";
  s.options = {{"publish", 'p', "host:container", "map a host port to the app's port", true}};
  s.destructive = true;
  s.examples = {"install jellyfin @media",
                "install uptime-kuma as kuma TZ=Europe/Paris -p 3002:3001"};
  return {s, run, check};
}

}  // namespace wagbot::commands
