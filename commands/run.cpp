#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto& image = act.args[0];
  protocol::json body{
      {"image", image}, {"ports", protocol::json::array()}, {"env", protocol::json::array()}};
  std::string name = act.option("name");
  if (name.empty()) {
    // docker would invent a name; a readable one from the image is friendlier in chat.
    name = image.substr(image.rfind('/') == std::string::npos ? 0 : image.rfind('/') + 1);
    name = name.substr(0, name.find_first_of(":@"));
  }
  body["name"] = name;
  for (const auto& p : act.option_values("publish")) {
    const auto colon = p.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == p.size())
      co_return core::error_reply("-p takes host:container, e.g. `-p 8080:80`, not `" + p + "`.");
    body["ports"].push_back({{"host", p.substr(0, colon)}, {"container", p.substr(colon + 1)}});
  }
  for (const auto& e : act.option_values("env")) {
    const auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0)
      co_return core::error_reply("-e takes KEY=VALUE, not `" + e + "`.");
    body["env"].push_back({{"key", e.substr(0, eq)}, {"value", e.substr(eq + 1)}});
  }
  for (const auto& v : act.option_values("volume")) {
    const auto colon = v.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == v.size())
      co_return core::error_reply("-v takes volume:/path, not `" + v + "`.");
    if (!body.contains("volumes")) body["volumes"] = protocol::json::array();
    body["volumes"].push_back({{"host", v.substr(0, colon)}, {"container", v.substr(colon + 1)}});
  }
  auto id = co_await ctx.host.api->create_container(ctx.host.key, body);
  if (!id) co_return ctx.fail(id.error());
  co_return core::ok_reply("Container `" + name + "` (" + image + ") created on @" +
                           ctx.host.alias + ", id " + short_id(*id) + ".");
}
}  // namespace

app::command make_run() {
  core::command_spec s;
  s.name = "run";
  s.summary = "Create a container from an image (asks first)";
  s.usage = "run <image> [--name n] [-p host:container]… [-e KEY=VAL]… [-v volume:/path]… [@host]";
  s.args = {{"image", "image reference, e.g. nginx:alpine", core::value_kind::image}};
  s.options = {{"name", 'n', "name", "the container's name"},
               {"publish", 'p', "host:container", "publish a port", true},
               {"env", 'e', "KEY=VALUE", "set an environment variable", true},
               {"volume", 'v', "volume:/path", "mount a named volume", true}};
  s.scope = "containers:write";
  s.uses_host = true;
  s.destructive = true;
  s.examples = {"run nginx:alpine --name web -p 8080:80", "run redis:7 -e TZ=UTC @nas"};
  return {s, run};
}

}  // namespace wagbot::commands
