#include <algorithm>

#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/error_text.hpp"
#include "wagbot/core/spelling.hpp"

namespace wagbot::commands {

namespace {
/// "AI & ML" → "ai-ml", as the app's template writes its category.
std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    else if (!out.empty() && out.back() != '-')
      out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  auto apps = co_await ctx.host.api->marketplace(ctx.host.key);
  if (!apps) co_return ctx.fail(apps.error());
  std::vector<std::string> words;
  for (const auto& a : act.args) words.push_back(core::lowered(a));
  std::vector<protocol::app_summary> shown;
  for (const auto& app : *apps) {
    const auto hay =
        core::lowered(app.id + " " + app.name + " " + app.category + " " + app.description);
    // The list names categories for display ("Media Servers"); a slug names them too.
    const bool category_match = words.size() == 1 && (core::lowered(app.category) == words[0] ||
                                                      slug(app.category) == words[0]);
    bool all_words = true;
    for (const auto& w : words) all_words = all_words && hay.find(w) != std::string::npos;
    if (category_match || all_words) shown.push_back(app);
  }
  std::sort(shown.begin(), shown.end(),
            [](const auto& a, const auto& b) { return a.popularity > b.popularity; });
  if (shown.empty()) {
    std::vector<std::string> cats;
    for (const auto& app : *apps)
      if (std::find(cats.begin(), cats.end(), app.category) == cats.end())
        cats.push_back(app.category);
    std::string list;
    for (const auto& c : cats) list += (list.empty() ? "" : ", ") + c;
    co_return core::say(core::tone::info, "No app matches. Categories: " + list + ".");
  }
  core::table t{{"id", "name", "category", "port", "description"}, {}};
  for (const auto& a : shown)
    t.rows.push_back({a.id + (a.verified ? " ✓" : ""), a.name, a.category,
                      a.default_port ? std::to_string(a.default_port) : "", a.description});
  co_return core::table_reply(std::to_string(shown.size()) + " apps in the marketplace of @" +
                                  ctx.host.alias +
                                  ". `app <id>` for details, `install <id>` to install.",
                              std::move(t));
}
}  // namespace

app::command make_apps() {
  auto s = host_spec(
      "apps", "Browse the marketplace: all apps, a category, or a search", "marketplace:read",
      {{"search", "a category or words to look for", core::value_kind::text, false, true}});
  s.aliases = {"marketplace", "catalogue", "catalog"};
  s.usage = "apps [category|search words] [@host]";
  s.examples = {"apps", "apps media", "apps password manager"};
  return {s, run};
}

}  // namespace wagbot::commands
