#include "wagbot/app/dispatcher.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/core/agent_request.hpp"
#include "wagbot/core/error_text.hpp"
#include "wagbot/core/intents.hpp"
#include "wagbot/core/planner.hpp"
#include "wagbot/core/redact.hpp"
#include "wagbot/core/routing.hpp"

namespace wagbot::app {

namespace asio = boost::asio;
using core::chat_reply;
using core::tone;

namespace {
std::vector<core::command_spec> specs_of(const std::vector<command>& commands) {
  std::vector<core::command_spec> out;
  for (const auto& c : commands) out.push_back(c.spec);
  return out;
}

std::string lower_trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Container matching as the docker CLI does, plus unique name prefixes: exact name, exact
/// id, then unique prefix of names and ids.
std::vector<protocol::container> match_containers(const std::vector<protocol::container>& all,
                                                  const std::string& wanted) {
  for (const auto& c : all)
    if (c.name == wanted || c.id == wanted) return {c};
  std::vector<protocol::container> out;
  for (const auto& c : all)
    if (c.name.rfind(wanted, 0) == 0 || (wanted.size() >= 3 && c.id.rfind(wanted, 0) == 0))
      out.push_back(c);
  return out;
}
}  // namespace

namespace {
chat_reply coded(chat_reply r, core::reply_code code) {
  r.error_code = code;
  return r;
}
}  // namespace

chat_reply usage_reply(const core::parse_error& error) {
  chat_reply r = coded(core::error_reply(error.message), core::reply_code::invalid_request);
  if (!error.usage.empty()) r.code(error.usage);
  return r;
}

dispatcher::dispatcher(engine& eng, std::vector<command> commands)
    : eng_(eng), commands_(std::move(commands)), grammar_(specs_of(commands_)) {
  if (eng_.cfg().planner.enabled)
    planner_ = std::make_unique<planner>(eng_.http(), eng_.cfg().planner, eng_.log().child("planner"));
}

const command* dispatcher::find(const std::string& name) const {
  for (const auto& c : commands_)
    if (c.spec.name == name) return &c;
  return nullptr;
}

std::optional<requester> dispatcher::identify(const core::chat_event& ev) const {
  const auto* user = eng_.cfg().user_by_network_id(ev.network, ev.sender);
  if (!user) return std::nullopt;
  return requester{ev.network, ev.room, ev.sender, user->name, user->admin, user->agent, ev.direct};
}

asio::awaitable<chat_reply> dispatcher::handle(const core::chat_event& ev) {
  const auto before = actions_run_;
  auto reply = co_await handle_line(ev);
  // Lines that ran no command are counted by what they got: help, or a question.
  if (actions_run_ == before && reply.error_code != core::reply_code::none &&
      reply.error_code != core::reply_code::unknown_user)
    eng_.metrics().add(
        "wagbot_commands_total",
        {{"command", "-"},
         {"outcome", reply.error_code == core::reply_code::ambiguous ? "question" : "usage"}});
  co_return reply;
}

asio::awaitable<chat_reply> dispatcher::handle_line(const core::chat_event& ev) {
  auto who = identify(ev);
  if (!who) {
    auto r = coded(core::error_reply("I don't know you yet. Ask the bot's admin to add your " + ev.network +
                                     " id `" + ev.sender + "` to `users` in wagbot's config."),
                   core::reply_code::unknown_user);
    r.is_private = true;
    co_return r;
  }
  const auto word = lower_trim(ev.text);
  if (word == "yes" || word == "y" || word == "confirm") co_return co_await resolve(*who, {}, true);
  if (word == "no" || word == "n" || word == "cancel") co_return co_await resolve(*who, {}, false);

  if (core::has_agent_block(ev.text)) co_return co_await run_agent(*who, core::parse_agent_requests(ev.text, grammar_));

  auto hosts = [&] {
    std::vector<core::host_words> words;
    for (const auto& h : eng_.cfg().hosts) words.push_back({h.alias, h.description});
    for (const auto& alias : eng_.hosts_of(who->user))
      if (!eng_.cfg().find_host(alias)) words.push_back({alias, {}});
    return words;
  };
  auto line = core::read_line(ev.text, hosts, grammar_);
  if (line.command) co_return co_await run(*who, *line.command);
  if (line.error) {
    // Free text nothing else understood: the model may suggest commands (when configured).
    if (planner_ && core::worth_planning(ev.text, *line.error)) {
      const auto known = hosts();
      co_return co_await planner_->answer(*this, *who, ev.text, known, *line.error);
    }
    co_return usage_reply(*line.error);
  }
  if (!line.plan->question.empty()) {
    auto r = core::say(tone::info, line.plan->question);
    r.error_code = core::reply_code::ambiguous;
    co_return r;
  }
  // Each part of a sentence runs as the command it stands for, in order.
  chat_reply out;
  for (const auto& act : line.plan->actions) {
    auto r = co_await run(*who, act);
    if (out.confirmation_id.empty()) out.confirmation_id = r.confirmation_id;
    if (r.mood == tone::error || (r.mood == tone::warning && out.mood != tone::error)) out.mood = r.mood;
    else if (out.blocks.empty()) out.mood = r.mood;
    for (auto& b : r.blocks) out.blocks.push_back(std::move(b));
    for (auto& m : r.mentions) out.mentions.push_back(m);
    if (out.error_code == core::reply_code::none) out.error_code = r.error_code;
  }
  co_return out;
}

asio::awaitable<chat_reply> dispatcher::run_agent(const requester& who, std::vector<core::agent_request> requests) {
  // Each request runs like a typed command (same key, same checks, same confirmations) and is
  // answered with a machine-readable result the agent can match by id.
  chat_reply out;
  for (auto& req : requests) {
    chat_reply r;
    if (!req.act) {
      r = coded(core::error_reply(req.error_message), req.error_code);
    } else {
      req.act->request_id = req.id;
      r = co_await run(who, *req.act);
    }
    auto result = core::result_of(req.id, r);
    if (!r.confirmation_id.empty()) out.confirmation_id = r.confirmation_id;
    for (const auto& m : r.mentions) out.mentions.push_back(m);
    if (!r.confirmation_id.empty()) for (auto& b : r.blocks) out.blocks.push_back(b);  // the prompt, for humans
    const auto line = core::result_block(result);
    out.text(line.substr(0, line.find('\n')));
    out.code(result.dump(), "wagmios-result");
    if (r.mood == tone::error && out.error_code == core::reply_code::none)
      out.error_code = r.error_code;
  }
  // Each line carries its own mark (✅ ❌ ⏳): the reply as a whole stays neutral, or one
  // failed request would paint the successful ones as failures.
  out.mood = tone::info;
  co_return out;
}

asio::awaitable<chat_reply> dispatcher::run(const requester& who, const core::action& act) {
  ++actions_run_;
  auto reply = co_await execute(who, act);
  const char* outcome = !reply.confirmation_id.empty() ? "confirm" : reply.mood == tone::error ? "error" : "ok";
  eng_.metrics().add("wagbot_commands_total", {{"command", find(act.command) ? act.command : "-"}, {"outcome", outcome}});
  co_return reply;
}

asio::awaitable<chat_reply> dispatcher::execute(const requester& who, const core::action& act) {
  const command* cmd = find(act.command);
  if (!cmd) co_return core::error_reply("Unknown command `" + act.command + "`. Type `help`.");
  if (cmd->spec.admin_only && !who.admin)
    co_return core::error_reply("`" + cmd->spec.name + "` is for wagbot admins only.");

  if (!cmd->spec.uses_host) {
    command_context ctx{eng_, *this, who, cmd->spec, {}, std::nullopt};
    co_return co_await cmd->run(ctx, act);
  }

  const auto hosts = eng_.hosts_of(who.user);
  auto targets = core::route(act.host, eng_.rooms().default_host(who.network, who.room), hosts,
                             cmd->spec.fans_out);
  if (!targets) co_return coded(core::error_reply(targets.error()), core::reply_code::no_host);
  if (targets->size() == 1) co_return co_await run_on_host(who, *cmd, act, targets->front(), false);

  // Fan-out: every host at once; the answers come back in host order.
  auto executor = co_await asio::this_coro::executor;
  using op_type = decltype(asio::co_spawn(executor, std::declval<asio::awaitable<chat_reply>>(), asio::deferred));
  std::vector<op_type> ops;
  for (const auto& alias : *targets)
    ops.push_back(asio::co_spawn(executor, run_on_host(who, *cmd, act, alias, false), asio::deferred));
  auto [order, errors, replies] = co_await asio::experimental::make_parallel_group(std::move(ops))
                                      .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  chat_reply merged;
  merged.mood = tone::info;
  for (std::size_t i = 0; i < targets->size(); ++i) {
    if (errors[i]) {
      merged.text("@" + (*targets)[i] + ": internal error; see the log.");
      continue;
    }
    if (replies[i].mood == tone::error) merged.mood = tone::warning;
    for (auto& b : replies[i].blocks) merged.blocks.push_back(std::move(b));
  }
  co_return merged;
}

asio::awaitable<chat_reply> dispatcher::run_on_host(const requester& who, const command& cmd,
                                                    const core::action& act,
                                                    const std::string& alias, bool confirmed) {
  const auto& spec = cmd.spec;
  const auto& guard = eng_.guard();
  const std::string literal = spec.targets_container && !act.args.empty() ? act.args[0] : "";

  // 1. A protected container named outright is refused before any call.
  if (core::modifies_container(spec) && guard.covers(literal)) {
    eng_.record(who, alias, spec.name, literal, "refused: protected");
    co_return coded(core::error_reply("`" + literal + "` is a WAGMIOS system container; wagbot never "
                                      "stops, restarts or deletes it."),
                    core::reply_code::protected_container);
  }
  auto host = eng_.host_for(who.user, alias);
  if (!host) co_return core::error_reply("You have no key for @" + alias + " any more.");

  // 2. The key's scopes: cached briefly; re-read when a confirmation is about to run. A
  // command that needs no scope (status) skips this and asks the host itself.
  wagmios::result<protocol::key_info> scopes{protocol::key_info{{}, {}, {}, {}, {"*"}}};
  if (!spec.scope.empty() || spec.targets_container) {
    scopes = co_await eng_.scopes(who.user, *host, confirmed);
    if (!scopes) co_return core::describe_error(scopes.error(), alias);
  }
  auto verdict = core::check(spec, act, guard, *scopes, {}, alias);
  if (verdict.outcome == core::verdict::refuse_scope) {
    eng_.record(who, alias, spec.name, literal, "refused: scope " + spec.scope);
    auto r = coded(core::error_reply(verdict.reason), core::reply_code::scope_required);
    r.is_private = true;
    co_return r;
  }

  // 3. The target container: unique prefix of a name or id, when the key may list containers.
  command_context ctx{eng_, *this, who, spec, *host, std::nullopt};
  if (spec.targets_container && scopes->has_scope("containers:read")) {
    auto all = co_await host->api->containers(host->key);
    if (!all) co_return core::describe_error(all.error(), alias);
    auto matches = match_containers(*all, literal);
    if (matches.empty())
      co_return coded(core::error_reply("No container matching `" + literal + "` on @" + alias +
                                        ". `ps @" + alias + "` lists them."),
                      core::reply_code::not_found);
    if (matches.size() > 1) {
      std::string names;
      for (const auto& m : matches) names += (names.empty() ? "" : ", ") + m.name;
      co_return core::error_reply("`" + literal + "` matches several containers on @" + alias +
                                  ": " + names + ". Which one?");
    }
    ctx.target = matches.front();
    verdict = core::check(spec, act, guard, *scopes, *all, alias);
    if (verdict.outcome == core::verdict::refuse_protected ||
        (core::modifies_container(spec) && guard.covers(ctx.target->name))) {
      eng_.record(who, alias, spec.name, ctx.target->name, "refused: protected");
      co_return coded(core::error_reply("`" + ctx.target->name + "` is a WAGMIOS system container; "
                                        "wagbot never stops, restarts or deletes it."),
                      core::reply_code::protected_container);
    }
  }

  // A key that cannot list containers cannot prove that an id prefix is not a system
  // container: refuse rather than risk one (a name cannot be mistaken for an id).
  if (core::modifies_container(spec) && !ctx.target && core::could_be_id(literal)) {
    eng_.record(who, alias, spec.name, literal, "refused: unverifiable id");
    co_return core::error_reply("`" + literal + "` looks like a container id, and your key for @" + alias +
                                " lacks `containers:read`, so I cannot check that it is not a WAGMIOS "
                                "system container. Use the container's name instead.");
  }

  // 4. Destructive: a human says yes first. A model's plan is only a suggestion: whatever it
  // would change waits for that yes too.
  const bool changes = spec.destructive || spec.scope.find(":write") != std::string::npos ||
                       spec.scope.find(":delete") != std::string::npos;
  if (act.planned && changes && verdict.outcome == core::verdict::allow) verdict.outcome = core::verdict::confirm;
  if (verdict.outcome == core::verdict::confirm && !confirmed)
    co_return ask_confirmation(who, cmd, act, alias, ctx.target_name(act));

  // 5. Run it with the requester's own key.
  auto reply = co_await cmd.run(ctx, act);
  const bool writes = spec.destructive || (spec.scope.find(":write") != std::string::npos) ||
                      (spec.scope.find(":delete") != std::string::npos);
  if (writes)
    eng_.record(who, alias, spec.name, ctx.target_name(act),
                reply.mood == tone::error ? "failed" : "ok", core::redact(reply.plain().substr(0, 200)));
  co_return reply;
}

chat_reply dispatcher::ask_confirmation(const requester& who, const command& cmd,
                                        const core::action& act, const std::string& alias,
                                        const std::string& target) {
  store::confirmation c;
  c.requester = who.user;
  c.network = who.network;
  c.room = who.room;
  core::action pinned = act;
  pinned.host = alias;  // a confirmation always runs on the host it was asked for
  // Arguments can carry secrets (`-e TOKEN=…`): the stored plan is sealed like a key.
  c.action_json = eng_.vault().seal(nlohmann::json(pinned).dump(), "confirmation");
  const auto* user = eng_.cfg().find_user(who.user);
  if (user && user->agent) c.approvers = user->approvers;
  c.summary = cmd.spec.name + (target.empty() ? "" : " `" + target + "`") + " on @" + alias;
  for (std::size_t i = target.empty() ? 0 : 1; i < act.args.size(); ++i) c.summary += " " + act.args[i];
  // Everything that will run is shown before anyone says yes.
  for (const auto& [name, value] : act.options) {
    const core::option_spec* opt = nullptr;
    for (const auto& o : cmd.spec.options)
      if (o.name == name) opt = &o;
    c.summary += opt && opt->short_name ? std::string(" -") + opt->short_name + " " + value : " --" + name + " " + value;
  }
  c.created_at = eng_.now();
  c.expires_at = c.created_at + eng_.cfg().confirmation_timeout_seconds;
  c.summary = core::redact(c.summary);
  const auto id = eng_.confirmations().create(c);
  eng_.record(who, alias, cmd.spec.name, target, "awaiting confirmation " + id);

  const int minutes = std::max(1, eng_.cfg().confirmation_timeout_seconds / 60);
  chat_reply r;
  r.mood = tone::warning;
  r.confirmation_id = id;
  // How to answer depends on the network: reactions on Matrix, words in the shell.
  const std::string prefix = who.network == "matrix" ? eng_.cfg().matrix.prefix + " " : "";
  const std::string text_way = "`" + prefix + "confirm " + id + "` / `" + prefix + "cancel " + id + "`";
  std::string how = "Reply `yes` or `no` (or " + text_way + ")";
  if (who.network == "matrix") how = "React ✅ to confirm or ❌ to cancel (or " + text_way + ")";
  if (who.network == "discord") how = "Press Confirm or Cancel (or `/confirm " + id + "`)";
  const std::string within = " within " + std::to_string(minutes) + " min.";
  if (c.approvers.empty()) {
    r.text("Confirm: " + c.summary + "? " + how + within);
  } else {
    std::string names;
    for (const auto& a : c.approvers) names += (names.empty() ? "" : ", ") + a;
    r.text("Approval needed: " + who.user + " (an agent) asks to " + c.summary + ". " + names + ": " +
           how + within);
    r.mentions = c.approvers;
  }
  return r;
}

asio::awaitable<chat_reply> dispatcher::resolve(const requester& actor, std::string id, bool accept) {
  std::optional<store::confirmation> c;
  if (id.empty()) {
    for (auto& p : eng_.confirmations().pending_for(actor.user))
      if (p.network == actor.network && p.room == actor.room) c = p;  // the latest one
    if (!c) co_return core::say(tone::info, "There is nothing waiting for your confirmation here.");
  } else {
    c = eng_.confirmations().get(lower_trim(id));
    if (!c) co_return core::error_reply("No confirmation `" + id + "`.");
  }
  core::confirmation_facts facts{c->requester, c->approvers, c->expires_at,
                                 c->state == store::confirmation_state::pending};
  const auto now = eng_.now();
  switch (core::resolve(facts, actor.user, now, accept)) {
    case core::resolution::already_resolved: {
      auto r = core::say(tone::info, "`" + c->id + "` was already " + std::string(store::to_string(c->state)) + ".");
      r.is_private = true;
      co_return r;
    }
    case core::resolution::expired:
      expire_due();
      co_return core::say(tone::warning, "`" + c->id + "` expired; nothing was done. Ask again if "
                                         "you still want to " + c->summary + ".");
    case core::resolution::not_yours: {
      auto r = core::error_reply("`" + c->id + "` is not yours to " + (accept ? "confirm" : "cancel") + ".");
      r.is_private = true;
      co_return r;
    }
    case core::resolution::cancel: {
      auto cancelled = eng_.confirmations().resolve(c->id, store::confirmation_state::cancelled, now);
      if (!cancelled) {
        auto r = core::say(tone::info, "`" + c->id + "` was already resolved.");
        r.is_private = true;
        co_return r;
      }
      eng_.record(actor, "", "cancel", c->id, "cancelled: " + c->summary);
      auto reply = core::say(tone::info, "Cancelled: " + c->summary + ". Nothing was done.");
      // An agent's request hears that it will not run.
      if (auto plan = eng_.vault().open(cancelled->action_json, "confirmation")) {
        auto act = nlohmann::json::parse(*plan, nullptr, false);
        if (act.is_object() && !act.value("request_id", "").empty()) {
          nlohmann::json result{{"id", act["request_id"]}, {"status", "cancelled"}, {"data", {{"text", reply.plain()}}},
                                {"error", nullptr}};
          reply.code(result.dump(), "wagmios-result");
        }
      }
      notify(*cancelled, actor.user, reply);
      co_return reply;
    }
    case core::resolution::run:
      break;
  }
  auto won = eng_.confirmations().resolve(c->id, store::confirmation_state::confirmed, now);
  if (!won) {
    auto r = core::say(tone::info, "`" + c->id + "` was already resolved.");
    r.is_private = true;  // a second click or a race: nothing for the room to see
    co_return r;
  }

  core::action act;
  try {
    auto plan = eng_.vault().open(won->action_json, "confirmation");
    if (!plan) throw std::runtime_error("sealed plan does not open");
    act = nlohmann::json::parse(*plan).get<core::action>();
  } catch (const std::exception&) {
    co_return core::error_reply("`" + won->id + "` could not be read back; nothing was done.");
  }
  const command* cmd = find(act.command);
  if (!cmd) co_return core::error_reply("`" + act.command + "` no longer exists; nothing was done.");
  // It runs as the requester, with the requester's key: an approver only says yes.
  const auto* user = eng_.cfg().find_user(won->requester);
  requester as{won->network, won->room, actor.sender, won->requester,
               user && user->admin, user && user->agent, false};
  if (actor.user != won->requester) eng_.record(actor, act.host, "approve", won->id, "approved");
  auto reply = co_await run_on_host(as, *cmd, act, act.host, true);
  notify(*won, actor.user, reply);
  // An agent's request, approved: the agent gets its result block now.
  if (!act.request_id.empty()) reply.code(core::result_of(act.request_id, reply).dump(), "wagmios-result");
  co_return reply;
}

std::vector<store::confirmation> dispatcher::expire_due() {
  auto expired = eng_.confirmations().expire_due(eng_.now());
  for (const auto& c : expired)
    notify(c, {}, core::say(tone::warning, "Expired: " + c.summary + " was not done."));
  return expired;
}

void dispatcher::notify(store::confirmation c, std::string by, const chat_reply& result) {
  confirmation_outcome outcome{std::move(c), std::move(by), result};
  for (const auto& listener : listeners_) {
    try {
      listener(outcome);
    } catch (const std::exception& e) {
      eng_.log().error("confirmation listener failed: {}", e.what());
    }
  }
}

}  // namespace wagbot::app
