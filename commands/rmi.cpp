#include "commands/commands.hpp"
#include "commands/format.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/outcome.hpp"
#include "wagbot/core/error_text.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  std::string wanted = act.args[0];
  std::string id = wanted;
  // The route takes an image ID (a `repo/name:tag` would not fit one path segment), so a
  // repository:tag is looked up first when the key may list images.
  auto list = co_await ctx.host.api->images(ctx.host.key);
  if (list) {
    std::vector<std::string> hits;
    for (const auto& i : *list) {
      const auto ref = i.repository + ":" + i.tag;
      if (ref == wanted || i.repository == wanted || short_id(i.id).rfind(short_id(wanted), 0) == 0)
        hits.push_back(short_id(i.id));
    }
    std::sort(hits.begin(), hits.end());
    hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    if (hits.empty())
      co_return core::error_reply("No image matching `" + wanted + "` on @" + ctx.host.alias + ".");
    if (hits.size() > 1)
      co_return core::error_reply("`" + wanted + "` matches several images on @" + ctx.host.alias +
                                  ": " + join(hits) + ". Give the ID.");
    id = hits.front();
  } else if (wanted.find('/') != std::string::npos) {
    co_return core::error_reply("Give the image ID (from `images`), not `" + wanted + "`.");
  }
  auto done = co_await ctx.host.api->delete_image(ctx.host.key, id);
  if (!done) co_return co_await app::failure_reply(ctx, done.error(), "rmi", id);
  co_return core::ok_reply("Image `" + wanted + "` deleted from @" + ctx.host.alias + ".");
}
}  // namespace

app::command make_rmi() {
  auto s = host_spec("rmi", "Delete an image (asks first)", "images:write",
                     {{"image", "image ID or repository:tag", core::value_kind::image}});
  s.destructive = true;
  s.examples = {"rmi 4b7ac2f1e9d0", "rmi nginx:alpine @nas"};
  return {s, run};
}

}  // namespace wagbot::commands
