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

}  // namespace

namespace {
chat_reply coded(chat_reply r, core::reply_code code) {
  r.error_code = code;
  return r;
}
}  // namespace

dispatcher::dispatcher(engine& eng, std::vector<command> commands)
    : eng_(eng), commands_(std::move(commands)), grammar_(specs_of(commands_)) {
  if (eng_.cfg().planner.enabled)
    planner_ =
        std::make_unique<planner>(eng_.http(), eng_.cfg().planner, eng_.log().child("planner"));
}

const command* dispatcher::find(const std::string& name) const {
  for (const auto& c : commands_)
    if (c.spec.name == name) return &c;
  return nullptr;
}

void dispatcher::on_confirmation(asker ask, resolver resolve) {
  ask_ = std::move(ask);
  resolve_ = std::move(resolve);
}

asio::awaitable<chat_reply> dispatcher::resolve(const requester& actor, std::string id,
                                                bool accept) {
  if (!resolve_) co_return core::error_reply("Confirmations are not available here.");
  co_return co_await resolve_(actor, std::move(id), accept);
}

asio::awaitable<chat_reply> dispatcher::handle(const requester& who, const std::string& text) {
  const auto before = actions_run_;
  auto reply = co_await handle_line(who, text);
  // Lines that ran no command are counted by what they got: help, or a question.
  if (actions_run_ == before && reply.error_code != core::reply_code::none)
    eng_.metrics().add(
        "wagbot_commands_total",
        {{"command", "-"},
         {"outcome", reply.error_code == core::reply_code::ambiguous ? "question" : "usage"}});
  co_return reply;
}

asio::awaitable<chat_reply> dispatcher::handle_line(const requester& who_ref,
                                                    const std::string& text) {
  const requester who = who_ref;
  if (core::has_agent_block(text))
    co_return co_await run_agent(who, core::parse_agent_requests(text, grammar_));

  auto hosts = [&] {
    std::vector<core::host_words> words;
    for (const auto& h : eng_.cfg().hosts) words.push_back({h.alias, h.description});
    for (const auto& alias : eng_.hosts_of(who.user))
      if (!eng_.cfg().find_host(alias)) words.push_back({alias, {}});
    return words;
  };
  auto line = core::read_line(text, hosts, grammar_);
  if (line.command) co_return co_await run(who, *line.command);
  if (line.error) {
    // Free text nothing else understood: the model may suggest commands (when configured).
    if (planner_ && core::worth_planning(text, *line.error)) {
      const auto known = hosts();
      co_return co_await planner_->answer(*this, who, text, known, *line.error);
    }
    co_return core::usage_reply(*line.error);
  }
  if (!line.plan->question.empty()) {
    auto r = core::say(tone::info, line.plan->question);
    r.error_code = core::reply_code::ambiguous;
    co_return r;
  }
  // Each part of a sentence runs as the command it stands for, in order.
  chat_reply out;
  for (const auto& act : line.plan->actions) {
    auto r = co_await run(who, act);
    if (out.confirmation_id.empty()) out.confirmation_id = r.confirmation_id;
    if (r.mood == tone::error || (r.mood == tone::warning && out.mood != tone::error))
      out.mood = r.mood;
    else if (out.blocks.empty())
      out.mood = r.mood;
    for (auto& b : r.blocks) out.blocks.push_back(std::move(b));
    for (auto& m : r.mentions) out.mentions.push_back(m);
    if (out.error_code == core::reply_code::none) out.error_code = r.error_code;
  }
  co_return out;
}

asio::awaitable<chat_reply> dispatcher::run_agent(const requester& who,
                                                  std::vector<core::agent_request> requests) {
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
    if (!r.confirmation_id.empty())
      for (auto& b : r.blocks) out.blocks.push_back(b);  // the prompt, for humans
    const auto line = core::result_block(result);
    out.text(line.substr(0, line.find('\n')));
    out.code(result.dump(), std::string(core::result_lang));
    if (r.mood == tone::error && out.error_code == core::reply_code::none)
      out.error_code = r.error_code;
  }
  // Each line carries its own mark (✅ ❌ ⏳): the reply as a whole stays neutral, or one
  // failed request would paint the successful ones as failures.
  out.mood = tone::info;
  co_return out;
}

namespace {
/// How a command ended, for wagbot_commands_total: a prompt, a question back ("Which host?",
/// "did you mean …?": a reply, not a failure), an error, or done.
const char* outcome_of(const chat_reply& reply) {
  if (!reply.confirmation_id.empty()) return "confirm";
  if (reply.mood == tone::error) return "error";
  if (reply.mood == tone::info && reply.error_code != core::reply_code::none) return "question";
  return "ok";
}
}  // namespace

asio::awaitable<chat_reply> dispatcher::run(const requester& who, const core::action& act) {
  ++actions_run_;
  auto reply = co_await execute(who, act);
  eng_.metrics().add("wagbot_commands_total", {{"command", find(act.command) ? act.command : "-"},
                                               {"outcome", outcome_of(reply)}});
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
                             cmd->spec.fans_out, cmd->spec.lists);
  // No keys at all is a dead end; "Which host?" and "did you mean @nas?" are questions back.
  if (!targets) {
    auto r = coded(core::say(hosts.empty() ? tone::error : tone::info, targets.error()),
                   core::reply_code::no_host);
    // "Which host?": each host an answer (a command that may run on several takes several).
    if (act.host.empty() && hosts.size() > 1) {
      r.picks = core::host_picks(act, hosts);
      r.pick_many = cmd->spec.fans_out;
    }
    co_return r;
  }
  if (targets->size() == 1) co_return co_await run_on_host(who, *cmd, act, targets->front(), false);
  co_return co_await fan_out(who, *cmd, act, *targets);
}

asio::awaitable<chat_reply> dispatcher::fan_out(const requester& who, const command& cmd,
                                                const core::action& act,
                                                const std::vector<std::string>& targets) {
  // Every host at once; the answers come back in host order.
  auto executor = co_await asio::this_coro::executor;
  using op_type = decltype(asio::co_spawn(executor, std::declval<asio::awaitable<chat_reply>>(),
                                          asio::deferred));
  std::vector<op_type> ops;
  for (const auto& alias : targets)
    ops.push_back(
        asio::co_spawn(executor, run_on_host(who, cmd, act, alias, false), asio::deferred));
  auto [order, errors, replies] =
      co_await asio::experimental::make_parallel_group(std::move(ops))
          .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  chat_reply merged;
  merged.mood = tone::info;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (errors[i]) {
      merged.text("@" + targets[i] + ": internal error; see the log.");
      continue;
    }
    if (replies[i].mood == tone::error) merged.mood = tone::warning;
    for (auto& b : replies[i].blocks) merged.blocks.push_back(std::move(b));
  }
  co_return merged;
}

asio::awaitable<chat_reply> dispatcher::run_confirmed(const requester& who, const command& cmd,
                                                      const core::action& act) {
  auto reply = co_await run_on_host(who, cmd, act, act.host, true);
  // The action a yes let run counts as its own: "confirm" when asked, then how it went.
  eng_.metrics().add("wagbot_commands_total",
                     {{"command", cmd.spec.name}, {"outcome", outcome_of(reply)}});
  co_return reply;
}

asio::awaitable<chat_reply> dispatcher::run_on_host(const requester& who, const command& cmd,
                                                    const core::action& asked,
                                                    const std::string& alias, bool confirmed) {
  core::action act = asked;  // the checker may put an argument in the host's own form
  const auto& spec = cmd.spec;
  const auto& guard = eng_.guard();
  const std::string literal = spec.targets_container && !act.args.empty() ? act.args[0] : "";
  auto refuse_protected = [&](const std::string& name) {
    eng_.record(who, alias, spec.name, name, "refused: protected");
    return coded(core::error_reply(core::protected_text(name)),
                 core::reply_code::protected_container);
  };

  // 1. A spelling Docker could resolve to another container, and a protected container named
  // outright, are refused before any call.
  if (spec.targets_container)
    if (auto why = core::malformed_container(literal)) {
      eng_.record(who, alias, spec.name, core::redact(literal), "refused: not a container name");
      co_return coded(core::error_reply(*why), core::reply_code::invalid_request);
    }
  if (core::refuses_target(spec, guard, literal)) co_return refuse_protected(literal);
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
    auto matches = core::match_containers(*all, literal);
    if (matches.empty()) {
      const auto near = core::closest_containers(*all, literal);
      if (near.empty())
        co_return coded(core::error_reply("No container matching `" + literal + "` on @" + alias +
                                          ". `ps @" + alias + "` lists them."),
                        core::reply_code::not_found);
      // A question back, not an error: the names it most likely meant.
      auto r = coded(
          core::say(core::tone::info, "No container is called `" + literal + "` on @" + alias +
                                          ". Did you mean " + core::choices(near) + "?"),
          core::reply_code::not_found);
      std::vector<std::string> names;
      for (const auto& n : near) names.push_back(n.name);
      r.picks = core::target_picks(act, alias, names);
      co_return r;
    }
    if (matches.size() > 1) {
      std::vector<std::string> names;
      std::string listed;
      for (const auto& m : matches) {
        names.push_back(m.name);
        listed += (listed.empty() ? "" : ", ") + m.name;
      }
      auto r =
          coded(core::say(core::tone::info, "`" + literal + "` matches several containers on @" +
                                                alias + ": " + listed + ". Which one?"),
                core::reply_code::ambiguous);
      r.picks = core::target_picks(act, alias, names);
      co_return r;
    }
    ctx.target = matches.front();
    verdict = core::check(spec, act, guard, *scopes, *all, alias);
    if (verdict.outcome == core::verdict::refuse_protected ||
        core::refuses_target(spec, guard, ctx.target->name))
      co_return refuse_protected(ctx.target->name);
  }
  if (core::unverifiable_id(spec, literal, ctx.target.has_value())) {
    eng_.record(who, alias, spec.name, literal, "refused: unverifiable id");
    co_return core::error_reply(
        "`" + literal + "` looks like a container id, and your key for @" + alias +
        " lacks `containers:read`, so I cannot check that it is not a WAGMIOS "
        "system container. Use the container's name instead.");
  }

  // 4. The arguments as the host will judge them: no yes is asked for a command it would
  // refuse (checked once, before the question; a confirmed plan was checked then).
  if (cmd.check && !confirmed)
    if (auto refusal = co_await cmd.check(ctx, act)) {
      eng_.record(who, alias, spec.name, ctx.target_name(act), "refused: invalid arguments");
      co_return coded(std::move(*refusal), core::reply_code::invalid_request);
    }

  // 5. Destructive (or a model's plan that writes): a human says yes first.
  if (verdict.outcome == core::verdict::confirm && !confirmed) {
    if (!ask_)
      co_return core::error_reply("`" + spec.name +
                                  "` needs a confirmation, and none can be asked here.");
    co_return ask_(who, cmd, act, alias, ctx.target_name(act));
  }

  // 6. Run it with the requester's own key.
  auto reply = co_await cmd.run(ctx, act);
  if (spec.writes())
    eng_.record(who, alias, spec.name, ctx.target_name(act),
                reply.mood == tone::error ? "failed" : "ok",
                core::redact(reply.plain().substr(0, 200)));
  co_return reply;
}

}  // namespace wagbot::app
