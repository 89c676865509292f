#include "commands/commands.hpp"
#include "wagbot/app/dispatcher.hpp"

namespace wagbot::commands {

namespace {
boost::asio::awaitable<core::chat_reply> run(app::command_context& ctx, const core::action& act) {
  const auto& grammar = ctx.dispatch.grammar();
  if (!act.args.empty()) {
    std::string wanted = act.args[0];
    for (std::size_t i = 1; i < act.args.size(); ++i) wanted += " " + act.args[i];
    const auto* spec = grammar.find(wanted);
    if (!spec) {
      // `help key` lists the subcommands of a group.
      core::chat_reply r;
      for (const auto& s : grammar.specs())
        if (s.name.rfind(wanted + " ", 0) == 0) r.text("`" + s.usage + "` — " + s.summary);
      if (!r.blocks.empty()) co_return r;
      co_return core::error_reply("No command `" + wanted + "`. Type `help` for the list.");
    }
    core::chat_reply r;
    r.text("`" + spec->usage + "` — " + spec->summary);
    for (const auto& o : spec->options)
      r.text("  " + (o.short_name ? std::string("-") + o.short_name + ", " : std::string()) + "--" +
             o.name + " <" + o.value_name + ">: " + o.description +
             (o.repeatable ? " (repeatable)" : ""));
    std::string facts;
    if (!spec->scope.empty()) facts += "Needs scope `" + spec->scope + "`.";
    if (spec->destructive)
      facts += (facts.empty() ? "" : " ") + std::string("Asks for confirmation first.");
    if (spec->fans_out) facts += (facts.empty() ? "" : " ") + std::string("Accepts @all.");
    if (spec->admin_only) facts += (facts.empty() ? "" : " ") + std::string("Admins only.");
    if (!spec->aliases.empty()) {
      std::string names;
      for (const auto& a : spec->aliases) names += (names.empty() ? "" : ", ") + a;
      facts += (facts.empty() ? "" : " ") + std::string("Also: ") + names + ".";
    }
    if (!facts.empty()) r.text(facts);
    if (!spec->examples.empty()) {
      std::string ex;
      for (const auto& e : spec->examples) ex += e + "\n";
      ex.pop_back();
      r.code(ex);
    }
    co_return r;
  }
  core::table t{{"command", "what it does"}, {}};
  for (const auto& s : grammar.specs()) t.rows.push_back({s.usage, s.summary});
  co_return core::table_reply(
      "Commands (pick a host with @alias or `on alias`; `help <command>` for details):",
      std::move(t));
}
}  // namespace

app::command make_help() {
  auto s = local_spec("help", "List commands, or explain one",
                      {{"command", "a command name", core::value_kind::text, false, true}});
  s.aliases = {"?", "usage"};
  s.examples = {"help", "help install", "help key"};
  return {s, run};
}

}  // namespace wagbot::commands
