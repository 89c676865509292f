#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  auto app = co_await ctx.host.api->app(ctx.host.key, act.args[0]);
  if (!app) co_return failed(ctx, app.error(), errc::not_found, no_such_app(ctx, act.args[0]));
  core::chat_reply r;
  r.text(app->meta.name + " (`" + app->meta.id + "`, " + app->meta.category +
         "): " + app->meta.description);
  std::vector<std::string> ports;
  for (int p : app->ports) ports.push_back(std::to_string(p));
  r.text("Image " + app->image + (ports.empty() ? "" : ", ports " + join(ports)) + ".");
  if (!app->environment.empty()) {
    core::table t{{"setting", "required", "default", "what it is"}, {}};
    for (const auto& e : app->environment)
      t.rows.push_back(
          {e.name, e.required ? "yes" : "no", e.default_value.value_or(""), e.description});
    r.add_table(std::move(t));
  }
  r.text("Install: `install " + app->meta.id + " [as <name>] [KEY=VALUE…] [-p host:container]`");
  co_return r;
}
}  // namespace

app::command make_app() {
  auto s = host_spec("app", "One marketplace app: image, ports and the settings it takes",
                     "marketplace:read",
                     {{"id", "marketplace app id, e.g. jellyfin", core::value_kind::app}});
  s.examples = {"app jellyfin", "app vaultwarden @nas"};
  return {s, run};
}

}  // namespace wagbot::commands
