#include "wagbot/app/conversation.hpp"

#include <algorithm>

#include "wagbot/core/agent_request.hpp"
#include "wagbot/core/policy.hpp"
#include "wagbot/core/redact.hpp"

namespace wagbot::app {

namespace asio = boost::asio;
using core::chat_reply;
using core::tone;

namespace {
std::string lower_trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

chat_reply private_reply(chat_reply r) {
  r.is_private = true;
  return r;
}

/// How to answer a prompt on each network: reactions, buttons or words.
std::string how_to_answer(const std::string& network, const std::string& prefix,
                          const std::string& id) {
  if (network == "discord") return "Press Confirm or Cancel (or `/confirm " + id + "`)";
  const std::string p = network == "matrix" ? prefix + " " : "";
  const std::string words = "`" + p + "confirm " + id + "` / `" + p + "cancel " + id + "`";
  if (network == "matrix") return "React ✅ to confirm or ❌ to cancel (or " + words + ")";
  return "Reply `yes` or `no` (or " + words + ")";
}

/// What a confirmation will run, as people read it: command, target, host, every argument.
std::string summary_of(const command& cmd, const core::action& act, const std::string& alias,
                       const std::string& target) {
  std::string s = cmd.spec.name + (target.empty() ? "" : " `" + target + "`") + " on @" + alias;
  for (std::size_t i = target.empty() ? 0 : 1; i < act.args.size(); ++i) s += " " + act.args[i];
  for (const auto& [name, value] : act.options) {
    const core::option_spec* opt = nullptr;
    for (const auto& o : cmd.spec.options)
      if (o.name == name) opt = &o;
    s += opt && opt->short_name ? std::string(" -") + opt->short_name + " " + value
                                : " --" + name + " " + value;
  }
  return core::redact(s);
}

/// The result block an agent matches by request id, when the sealed plan came from an agent.
std::optional<std::string> request_id_of(const store::vault& vault, const store::confirmation& c) {
  auto plan = vault.open(c.action_json, "confirmation");
  if (!plan) return std::nullopt;
  auto act = nlohmann::json::parse(*plan, nullptr, false);
  if (!act.is_object() || act.value("request_id", "").empty()) return std::nullopt;
  return act["request_id"].get<std::string>();
}
}  // namespace

chat_reply outcome_reply(const store::confirmation& c, const std::string& by,
                         const chat_reply& result) {
  chat_reply r;  // tone::info: the line carries its own mark
  r.confirmation_id = c.id;
  switch (c.state) {
    case store::confirmation_state::confirmed:
      r.text("✅ Confirmed by " + by + ": " + c.summary + ".");
      for (const auto& b : result.blocks) r.blocks.push_back(b);
      break;
    case store::confirmation_state::cancelled:
      r.text("❌ Cancelled by " + by + ": " + c.summary + ". Nothing was done.");
      break;
    case store::confirmation_state::expired:
      r.text("⌛ Expired: " + c.summary + " was not done.");
      break;
    case store::confirmation_state::pending:
      break;
  }
  return r;
}

conversation::conversation(engine& eng, dispatcher& dispatch) : eng_(eng), dispatch_(dispatch) {
  dispatch_.on_confirmation(
      [this](const requester& who, const command& cmd, const core::action& act,
             const std::string& alias,
             const std::string& target) { return ask(who, cmd, act, alias, target); },
      [this](const requester& who, std::string id, bool accept) {
        return resolve(who, std::move(id), accept);
      });
}

void conversation::attach(core::chat_transport& t) {
  transports_[t.network()] = &t;
}

std::optional<requester> conversation::identify(const core::chat_event& ev) const {
  const auto* user = eng_.cfg().user_by_network_id(ev.network, ev.sender);
  if (!user) return std::nullopt;
  return requester{ev.network, ev.room, ev.sender, user->name, user->admin, user->agent, ev.direct};
}

std::optional<std::string> conversation::user_of(const core::chat_event& ev) const {
  if (auto who = identify(ev)) return who->user;
  return std::nullopt;
}

chat_reply conversation::unknown_user(const core::chat_event& ev) const {
  // Logged once per sender per ten minutes, so a busy room cannot flood the log; the map
  // forgets the quiet ones once it grows.
  constexpr std::int64_t every = 600;
  const auto now = eng_.now();
  if (unknown_logged_.size() > 1000)
    std::erase_if(unknown_logged_, [now](const auto& seen) { return now - seen.second >= every; });
  const auto [seen, first] = unknown_logged_.try_emplace(ev.network + "|" + ev.sender, now);
  if (first || now - seen->second >= every) {
    seen->second = now;
    eng_.log().child("access").warn(
        "a message from {} id {}, who is not in users, was refused (repeats are not logged for "
        "10 min)",
        ev.network, ev.sender);
  }
  auto r = core::error_reply("I don't know you yet. Ask the bot's admin to add your " + ev.network +
                             " id `" + ev.sender + "` to `users` in wagbot's config.");
  r.error_code = core::reply_code::unknown_user;
  return private_reply(std::move(r));
}

asio::awaitable<chat_reply> conversation::handle(core::chat_event ev) {
  auto who = identify(ev);
  if (!who) co_return unknown_user(ev);
  const auto word = lower_trim(ev.text);
  std::string latest;  // named, not a temporary: see the note in shell/shell.cpp
  // Every answer passes through the one redaction step: a key typed anywhere is never echoed.
  if (word == "yes" || word == "y" || word == "confirm")
    co_return core::redacted(co_await resolve(*who, latest, true));
  if (word == "no" || word == "n" || word == "cancel")
    co_return core::redacted(co_await resolve(*who, latest, false));
  co_return core::redacted(co_await dispatch_.handle(*who, ev.text));
}

asio::awaitable<chat_reply> conversation::handle_agent(core::chat_event ev,
                                                       nlohmann::json content) {
  auto who = identify(ev);
  if (!who) co_return unknown_user(ev);
  co_return core::redacted(
      co_await dispatch_.run_agent(*who, core::parse_agent_json(content, dispatch_.grammar())));
}

asio::awaitable<chat_reply> conversation::run(core::chat_event ev, core::action act) {
  auto who = identify(ev);
  if (!who) co_return unknown_user(ev);
  co_return core::redacted(co_await dispatch_.run(*who, act));
}

chat_reply conversation::ask(const requester& who, const command& cmd, const core::action& act,
                             const std::string& alias, const std::string& target) {
  store::confirmation c;
  c.requester = who.user;
  c.network = who.network;
  c.room = who.room;
  core::action pinned = act;
  pinned.host = alias;  // a confirmation always runs on the host it was asked for
  // Arguments can carry secrets (`-e TOKEN=…`): the stored plan is sealed like a key.
  c.action_json = eng_.vault().seal(nlohmann::json(pinned).dump(), "confirmation");
  if (const auto* user = eng_.cfg().find_user(who.user); user && user->agent)
    c.approvers = user->approvers;
  c.summary = summary_of(cmd, act, alias, target);
  c.created_at = eng_.now();
  c.expires_at = c.created_at + eng_.cfg().confirmation_timeout_seconds;
  const auto id = eng_.confirmations().create(c);
  eng_.record(who, alias, cmd.spec.name, target, "awaiting confirmation " + id);

  const int minutes = std::max(1, eng_.cfg().confirmation_timeout_seconds / 60);
  const auto how = how_to_answer(who.network, eng_.cfg().matrix.prefix, id);
  const std::string within = " within " + std::to_string(minutes) + " min.";
  chat_reply r;
  r.mood = tone::warning;
  r.confirmation_id = id;
  if (c.approvers.empty()) {
    r.text("Confirm: " + c.summary + "? " + how + within);
    return r;
  }
  std::string names;
  for (const auto& a : c.approvers) names += (names.empty() ? "" : ", ") + a;
  r.text("Approval needed: " + who.user + " (an agent) asks to " + c.summary + ". " + names + ": " +
         how + within);
  r.mentions = c.approvers;
  return r;
}

asio::awaitable<chat_reply> conversation::resolve(const requester& actor, std::string id,
                                                  bool accept) {
  std::optional<store::confirmation> c;
  if (id.empty()) {
    for (auto& p : eng_.confirmations().pending_for(actor.user))
      if (p.network == actor.network && p.room == actor.room) c = p;  // the latest one
    if (!c) co_return core::say(tone::info, "There is nothing waiting for your confirmation here.");
  } else {
    c = eng_.confirmations().get(lower_trim(id));
    if (!c) co_return core::error_reply("No confirmation `" + core::redact(id) + "`.");
  }
  const auto why = verdict(*c, actor.user, accept);
  switch (why) {
    case core::resolution::expired:
      expire_due();
      co_return core::say(tone::warning, "`" + c->id + "` expired: " + c->summary +
                                             " was not done. Ask again if you still want it.");
    case core::resolution::cancel:
      co_return cancelled(actor, *c);
    case core::resolution::run:
      co_return co_await confirmed(actor, *c);
    default:
      co_return refused(*c, why, accept);
  }
}

core::resolution conversation::verdict(const store::confirmation& c, const std::string& actor,
                                       bool accept) const {
  const auto* requester_cfg = eng_.cfg().find_user(c.requester);
  core::confirmation_facts facts{c.requester, c.approvers, c.expires_at,
                                 c.state == store::confirmation_state::pending,
                                 requester_cfg && requester_cfg->agent};
  return core::resolve(facts, actor, eng_.now(), accept);
}

chat_reply conversation::refused(const store::confirmation& c, core::resolution why, bool accept) {
  if (why == core::resolution::not_yours)
    return private_reply(core::error_reply("`" + c.id + "` is not yours to " +
                                           (accept ? "confirm" : "cancel") + "."));
  return private_reply(core::say(
      tone::info, "`" + c.id + "` was already " + std::string(store::to_string(c.state)) + "."));
}

std::optional<chat_reply> conversation::refusal(const core::chat_event& actor,
                                                const std::string& id, bool accept) {
  auto c = eng_.confirmations().get(lower_trim(id));
  if (!c) return private_reply(core::error_reply("No confirmation `" + core::redact(id) + "`."));
  // Someone wagbot does not know may press a button on a shared prompt: not theirs either.
  auto who = identify(actor);
  const auto why = who ? verdict(*c, who->user, accept) : core::resolution::not_yours;
  if (why == core::resolution::not_yours || why == core::resolution::already_resolved)
    return refused(*c, why, accept);
  return std::nullopt;
}

chat_reply conversation::cancelled(const requester& actor, const store::confirmation& c) {
  auto done = eng_.confirmations().resolve(c.id, store::confirmation_state::cancelled, eng_.now());
  if (!done) return private_reply(core::say(tone::info, "`" + c.id + "` was already resolved."));
  eng_.record(actor, "", "cancel", c.id, "cancelled: " + c.summary);
  auto reply = core::say(tone::info, "Cancelled: " + c.summary + ". Nothing was done.");
  // An agent's request hears that it will not run.
  if (auto request = request_id_of(eng_.vault(), *done)) {
    nlohmann::json result{{"id", *request},
                          {"status", "cancelled"},
                          {"data", {{"text", reply.plain()}}},
                          {"error", nullptr}};
    reply.code(result.dump(), std::string(core::result_lang));
  }
  settle(*done, actor.user, reply);
  return reply;
}

asio::awaitable<chat_reply> conversation::confirmed(const requester& actor,
                                                    const store::confirmation& c) {
  auto won = eng_.confirmations().resolve(c.id, store::confirmation_state::confirmed, eng_.now());
  // A second click or a race: nothing for the room to see.
  if (!won) co_return private_reply(core::say(tone::info, "`" + c.id + "` was already resolved."));
  core::action act;
  try {
    auto plan = eng_.vault().open(won->action_json, "confirmation");
    if (!plan) throw std::runtime_error("sealed plan does not open");
    act = nlohmann::json::parse(*plan).get<core::action>();
  } catch (const std::exception&) {
    co_return core::error_reply("`" + won->id + "` could not be read back; nothing was done.");
  }
  const command* cmd = dispatch_.find(act.command);
  if (!cmd)
    co_return core::error_reply("`" + act.command + "` no longer exists; nothing was done.");
  // It runs as the requester, with the requester's key: an approver only says yes.
  const auto* user = eng_.cfg().find_user(won->requester);
  requester as{won->network,        won->room,           actor.sender, won->requester,
               user && user->admin, user && user->agent, false};
  if (actor.user != won->requester) eng_.record(actor, act.host, "approve", won->id, "approved");
  auto reply = co_await dispatch_.run_confirmed(as, *cmd, act);
  settle(*won, actor.user, reply);
  // An agent's request, approved: the agent gets its result block now.
  if (!act.request_id.empty())
    reply.code(core::result_of(act.request_id, reply).dump(), std::string(core::result_lang));
  co_return reply;
}

void conversation::settle(const store::confirmation& c, const std::string& by,
                          const chat_reply& result) {
  // A prompt that was never posted (the shell) has nothing to update, except to say it expired.
  if (c.prompt_ref.empty() && c.state != store::confirmation_state::expired) return;
  auto t = transports_.find(c.network);
  if (t == transports_.end()) return;
  try {
    t->second->update(core::message_ref{c.room, c.prompt_ref},
                      core::redacted(outcome_reply(c, by, result)));
  } catch (const std::exception& e) {
    eng_.log().error("updating the prompt of {} failed: {}", c.id, e.what());
  }
}

void conversation::expire_due() {
  for (const auto& c : eng_.confirmations().expire_due(eng_.now())) settle(c, {}, {});
}

void conversation::prompt_sent(const std::string& id, const core::message_ref& where) {
  if (!id.empty() && !where.id.empty()) eng_.confirmations().set_prompt_ref(id, where.id);
}

asio::awaitable<std::optional<chat_reply>> conversation::choose(core::chat_event actor,
                                                                core::message_ref prompt,
                                                                bool accept) {
  auto c = eng_.confirmations().find_by_prompt(actor.network, prompt.id);
  if (!c) co_return std::nullopt;
  auto who = identify(actor);
  if (!who) co_return std::nullopt;
  // On a shared prompt, anyone may react: a choice nobody entitled made is ignored, not answered.
  if (verdict(*c, who->user, accept) == core::resolution::not_yours) {
    eng_.log().info("ignored {}'s reaction on {}'s confirmation {}", who->user, c->requester,
                    c->id);
    co_return std::nullopt;
  }
  co_return core::redacted(co_await resolve(*who, c->id, accept));
}

asio::awaitable<chat_reply> conversation::choose_id(core::chat_event actor, std::string id,
                                                    bool accept) {
  auto who = identify(actor);
  if (!who) co_return unknown_user(actor);
  co_return core::redacted(co_await resolve(*who, std::move(id), accept));
}

std::optional<chat_reply> conversation::cut_short(const core::chat_event& actor,
                                                  std::optional<store::confirmation> c) {
  if (!c || c->state != store::confirmation_state::confirmed) return std::nullopt;
  auto notice =
      core::say(tone::warning, "I was restarted while running this command (" + c->summary +
                                   "), so I do not know whether it finished. Check (e.g. `ps`) "
                                   "before asking again.");
  const auto who = identify(actor);
  settle(*c, who ? who->user : c->requester, notice);
  return notice;
}

std::optional<chat_reply> conversation::interrupted_choice(const core::chat_event& actor,
                                                           const core::message_ref& prompt) {
  return cut_short(actor, eng_.confirmations().find_by_prompt(actor.network, prompt.id));
}

std::optional<chat_reply> conversation::interrupted_choice_id(const core::chat_event& actor,
                                                              const std::string& id) {
  return cut_short(actor, eng_.confirmations().get(id));
}

std::vector<std::string> conversation::ids_on(const std::string& network,
                                              const std::vector<std::string>& users) const {
  std::vector<std::string> out;
  for (const auto& name : users) {
    const auto* u = eng_.cfg().find_user(name);
    if (!u) continue;
    const auto& ids = u->ids_on(network);
    if (!ids.empty()) out.push_back(ids.front());
  }
  return out;
}

}  // namespace wagbot::app
