#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/outcome.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto& image = act.args[0];
  auto done = co_await ctx.host.api->pull_image(ctx.host.key, image);
  if (!done) {
    if (done.error().kind == errc::still_running)
      co_return core::say(core::tone::warning,
                          "Pulling `" + image + "` on @" + ctx.host.alias +
                              " is taking a while; it goes on in the background. `images @" +
                              ctx.host.alias + "` will show it when it is done.");
    co_return co_await app::failure_reply(ctx, done.error(), "pull", image);
  }
  co_return core::ok_reply("Pulled `" + image + "` on @" + ctx.host.alias + ".");
}
}  // namespace

app::command make_pull() {
  auto s = host_spec("pull", "Pull an image (can take minutes)", "images:write",
                     {{"image", "image reference, e.g. nginx:alpine", core::value_kind::image}});
  s.examples = {"pull nginx:alpine", "pull jellyfin/jellyfin:latest @media"};
  return {s, run};
}

}  // namespace wagbot::commands
