#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/outcome.hpp"
#include "wagbot/core/arguments.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
/// The create body `run` sends, read once from the command line; `problem` says what the host
/// would refuse (the check shows it before any yes is asked, the handler never sends it).
struct run_request {
  protocol::json body;
  std::string name, problem;
};

/// "a:b" split at the first colon; empty halves when there is none.
std::pair<std::string, std::string> halves(const std::string& pair) {
  const auto colon = pair.find(':');
  if (colon == std::string::npos) return {};
  return {pair.substr(0, colon), pair.substr(colon + 1)};
}

std::string read_ports(const core::action& act, protocol::json& ports) {
  for (const auto& p : act.option_values("publish")) {
    const auto [host, container] = halves(p);
    if (host.empty() || container.empty())
      return "-p takes host:container, e.g. `-p 8080:80`, not `" + p + "`.";
    if (auto why = core::bad_port(host, false)) return "-p " + p + ": " + *why;
    if (auto why = core::bad_port(container)) return "-p " + p + ": " + *why;
    ports.push_back({{"host", host}, {"container", container}});
  }
  return {};
}

std::string read_env(const core::action& act, protocol::json& env) {
  for (const auto& e : act.option_values("env")) {
    const auto eq = e.find('=');
    if (eq == std::string::npos || eq == 0) return "-e takes KEY=VALUE, not `" + e + "`.";
    const auto key = e.substr(0, eq), value = e.substr(eq + 1);
    if (auto why = core::bad_env(key, value)) return "-e: " + *why;
    env.push_back({{"key", key}, {"value", value}});
  }
  return {};
}

std::string read_volumes(const core::action& act, protocol::json& body) {
  for (const auto& v : act.option_values("volume")) {
    const auto [volume, target] = halves(v);
    if (volume.empty() || target.empty()) return "-v takes volume:/path, not `" + v + "`.";
    if (auto why = core::bad_volume_target(target)) return "-v " + v + ": " + *why;
    if (!body.contains("volumes")) body["volumes"] = protocol::json::array();
    body["volumes"].push_back({{"host", volume}, {"container", target}});
  }
  return {};
}

run_request read_run(const core::action& act) {
  run_request r;
  const auto& image = act.args[0];
  r.body = {{"image", image}, {"ports", protocol::json::array()}, {"env", protocol::json::array()}};
  r.name = act.option("name");
  if (r.name.empty()) {
    // docker would invent a name; a readable one from the image is friendlier in chat.
    r.name = image.substr(image.rfind('/') == std::string::npos ? 0 : image.rfind('/') + 1);
    r.name = r.name.substr(0, r.name.find_first_of(":@"));
  }
  r.body["name"] = r.name;
  if (auto why = core::bad_image(image))
    r.problem = *why;
  else if (auto bad_name = core::bad_container_name(r.name))
    r.problem = *bad_name + (act.option("name").empty() ? " Give one with `--name`." : "");
  if (r.problem.empty()) r.problem = read_ports(act, r.body["ports"]);
  if (r.problem.empty()) r.problem = read_env(act, r.body["env"]);
  if (r.problem.empty()) r.problem = read_volumes(act, r.body);
  return r;
}

boost::asio::awaitable<std::optional<core::chat_reply>> check(app::command_context&,
                                                              core::action& act) {
  auto r = read_run(act);
  if (r.problem.empty()) co_return std::nullopt;
  co_return core::error_reply(r.problem + " Nothing was created.");
}

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  auto r = read_run(act);
  if (!r.problem.empty()) co_return core::error_reply(r.problem + " Nothing was created.");
  auto id = co_await ctx.host.api->create_container(ctx.host.key, r.body);
  if (!id) co_return co_await app::failure_reply(ctx, id.error(), "run", r.name);
  co_return core::ok_reply("Container `" + r.name + "` (" + act.args[0] + ") created on @" +
                           ctx.host.alias + ", id " + short_id(*id) + ".");
}
}  // namespace

app::command make_run() {
  auto s = host_spec("run", "Create a container from an image (asks first)", "containers:write",
                     {{"image", "image reference, e.g. nginx:alpine", core::value_kind::image}});
  s.usage = "run <image> [--name n] [-p host:container]… [-e KEY=VAL]… [-v volume:/path]… [@host]";
  s.options = {{"name", 'n', "name", "the container's name"},
               {"publish", 'p', "host:container", "publish a port", true},
               {"env", 'e', "KEY=VALUE", "set an environment variable", true},
               {"volume", 'v', "volume:/path", "mount a named volume", true}};
  s.destructive = true;
  s.examples = {"run nginx:alpine --name web -p 8080:80", "run redis:7 -e TZ=UTC @nas"};
  return {s, run, check};
}

}  // namespace wagbot::commands
