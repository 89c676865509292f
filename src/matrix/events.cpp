// What the bot does with each kind of event: invites, messages, reactions.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/core/agent_request.hpp"
#include "wagbot/core/redact.hpp"
#include "wagbot/matrix/bot.hpp"
#include "wagbot/matrix/render.hpp"
#include "wagbot/net/backoff.hpp"

namespace wagbot::matrix {

namespace asio = boost::asio;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(0, 1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

/// Reactions people use for yes and no.
std::optional<bool> verdict_of(const std::string& key) {
  static const std::set<std::string> yes{"✅", "✔️", "✔", "👍", "👍️"};
  static const std::set<std::string> no{"❌", "✖️", "✖", "👎", "👎️", "🚫"};
  if (yes.count(key)) return true;
  if (no.count(key)) return false;
  return std::nullopt;
}

bool allowed(const std::vector<std::string>& rules, const std::string& inviter) {
  const auto server = inviter.substr(inviter.find(':'));
  for (const auto& rule : rules)
    if (rule == "*" || rule == inviter || rule == server) return true;
  return false;
}

}  // namespace

asio::awaitable<void> bot::on_invite(pm::invited_room invite) {
  // The invite shows in every sync until the join lands: answer it once.
  if (!invites_.insert(invite.room_id).second) co_return;
  struct forget {
    std::set<std::string>& set;
    std::string room;
    ~forget() { set.erase(room); }
  } in_progress{invites_, invite.room_id};
  std::string inviter;
  bool direct = false;
  for (const auto& e : invite.invite_state)
    if (e.type == "m.room.member" && e.state_key == user_id_ &&
        pm::string_at(e.content, "membership") == "invite") {
      inviter = e.sender;
      direct = pm::bool_at(e.content, "is_direct");
    }
  if (!inviter.empty() && allowed(cfg_.allowed_inviters, inviter)) {
    // A join can meet a 429 or a restarting homeserver like any request: retry it.
    auto joined = co_await api_.join(invite.room_id);
    asio::steady_timer pause(executor_);
    // Eight retries, ½ s doubling (jittered): one to two minutes in all. A 429 says how long.
    net::backoff retry({std::chrono::milliseconds(500), std::chrono::seconds(64)});
    for (int attempt = 0; !joined && joined.error().transient() && attempt < 8 && !stopping_;
         ++attempt) {
      const auto e = joined.error();
      const auto asked = std::chrono::milliseconds(std::max<std::int64_t>(e.retry_after_ms, 200));
      pause.expires_after(e.rate_limited() ? asked : retry.next());
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      joined = co_await api_.join(invite.room_id);
    }
    // A direct chat is known by the invite's is_direct flag, not by counting members: a
    // group room with only two people in it is still a group room (keys stay out of it).
    if (joined && direct) kv_.set("matrix.direct:" + invite.room_id, inviter);
    if (joined)
      log_.info("joined {} on {}'s invite{}", invite.room_id, inviter,
                direct ? " (direct chat)" : "");
    else
      log_.warn("could not join {}: {}", invite.room_id, joined.error().message);
  } else {
    log_.info("declined the invite to {} from {} (not in matrix.allowed_inviters)", invite.room_id,
              inviter.empty() ? "someone unknown" : inviter);
    co_await api_.leave(invite.room_id);
  }
}

asio::awaitable<void> bot::encryption_notice(std::string room) {
  const auto flag = "matrix.e2ee_notice:" + room;
  if (kv_.get(flag) || !notices_.insert(room).second) co_return;
  core::chat_reply r = core::say(
      core::tone::warning,
      std::string("This room is end-to-end encrypted, and this wagbot ") +
          (e2ee_built() ? "has encryption switched off (matrix.e2ee: false)"
                        : "was built without encryption (matrix.e2ee)") +
          ", so it cannot read encrypted messages or see your commands here. Ask its operator "
          "to turn it on, or create a room with encryption turned off (in Element: New room → "
          "turn off \"Enable end-to-end encryption\") and invite me there.");
  // Remembered only once it is out: a crash before that sends it again rather than never.
  if (co_await outbox_->send(room, "m.room.message",
                             render(r, {}, 24 * 1024, message_kind::notice)))
    kv_.set(flag, "sent");
  notices_.erase(room);
}

asio::awaitable<bool> bot::is_direct(const std::string& room) {
  if (direct_rooms_.count(room) || kv_.get("matrix.direct:" + room)) co_return true;
  // Someone else joining a direct chat turns it into a group: check it still has two members.
  co_return false;
}

bool key_anywhere(const pm::json& content) {
  if (!content.is_object()) return false;
  auto holds = [](const pm::json& c) {
    if (!c.is_object()) return false;
    // In HTML a key may be cut by tags (`wag_live_<b>…</b>`): read the text between them.
    std::string text;
    bool in_tag = false;
    for (char ch : pm::string_at(c, "formatted_body")) {
      if (ch == '<')
        in_tag = true;
      else if (ch == '>')
        in_tag = false;
      else if (!in_tag)
        text += ch;
    }
    return core::contains_key(pm::string_at(c, "body")) || core::contains_key(text);
  };
  return holds(content) || (content.contains("m.new_content") && holds(content["m.new_content"]));
}

asio::awaitable<bool> bot::only_us(const std::string& room, const std::string& sender) {
  auto members = co_await api_.members(room);
  if (!members) {
    log_.warn("cannot list the members of {} ({}): a key there is treated as leaked", room,
              members.error().message);
    co_return false;
  }
  std::set<std::string> present;
  const auto chunk = members->value("chunk", pm::json::array());
  for (const auto& m : chunk.is_array() ? chunk : pm::json::array()) {
    if (!m.is_object() || !m.contains("state_key") || !m["state_key"].is_string()) continue;
    const auto membership =
        m.contains("content") ? pm::string_at(m["content"], "membership") : std::string{};
    if (membership == "join" || membership == "invite")
      present.insert(m["state_key"].get<std::string>());
  }
  co_return present == std::set<std::string>{sender, user_id_};
}

std::optional<std::string> bot::command_text(const pm::event& e, const std::string& body,
                                             bool direct) const {
  const auto text = trim(body);
  if (core::has_agent_block(text)) return text;  // a structured request addresses the bot itself
  const auto low = lower(text);
  const auto prefix = lower(cfg_.prefix);
  if (low == prefix) return std::string("help");
  if (low.rfind(prefix + " ", 0) == 0) return trim(text.substr(prefix.size()));
  // Addressed by mention: "wagbot: ps", "@wagbot:example.org ps", or a pill with m.mentions.
  const auto localpart = lower(user_id_.substr(1, user_id_.find(':') - 1));
  for (const auto& name : {lower(user_id_), localpart, "@" + localpart}) {
    if (low.rfind(name, 0) == 0 &&
        (low.size() == name.size() ||
         std::string(":, ").find(low[name.size()]) != std::string::npos)) {
      auto rest = trim(text.substr(name.size()));
      while (!rest.empty() && (rest.front() == ':' || rest.front() == ','))
        rest = trim(rest.substr(1));
      return rest.empty() ? std::string("help") : rest;
    }
  }
  const auto mentions = pm::mentioned_users(e.content);
  if (std::find(mentions.begin(), mentions.end(), user_id_) != mentions.end()) {
    // A pill's plain body is the display name; the command is what follows its first ':'.
    if (auto colon = text.find(": "); colon != std::string::npos && colon < 64)
      return trim(text.substr(colon + 2));
  }
  if (direct) return text;
  return std::nullopt;
}

asio::awaitable<void> bot::leaked_key(const pm::event& e) {
  auto redacted = co_await outbox_->redact(e.room_id, e.event_id, "contained a WAGMIOS API key");
  std::string what = redacted ? "I deleted that message because it contained a WAGMIOS API key."
                              : "That message contains a WAGMIOS API key, and I lack the power to "
                                "delete it: please delete it yourself.";
  core::chat_reply r =
      core::say(core::tone::warning, what +
                                         " Treat the key as leaked: revoke it in WAGMIOS Settings, "
                                         "create a new one, and send it to me in a direct chat "
                                         "with `key add <host> <key>`.");
  auto content = render(r, {e.sender}, 24 * 1024, message_kind::notice);
  content["body"] = e.sender + ": " + content["body"].get<std::string>();
  content["formatted_body"] =
      html_escape(e.sender) + ": " + content["formatted_body"].get<std::string>();
  co_await outbox_->send(e.room_id, "m.room.message", content);
  log_.warn("a key was pasted in {} by {}; {}", e.room_id, e.sender,
            redacted ? "redacted" : "could not redact");
}

asio::awaitable<void> bot::on_agent_event(const pm::event& e) {
  core::chat_event ev{"matrix", e.room_id, e.sender, {}, false, e.event_id};
  co_await reply(e, co_await talk_.handle_agent(ev, e.content));
}

asio::awaitable<void> bot::on_message(const pm::event& e) {
  if (e.type == agent_event_type) {
    co_await on_agent_event(e);
    co_return;
  }
  const auto msgtype = pm::string_at(e.content, "msgtype");
  const bool edit = pm::relation_of(e.content).rel_type == "m.replace";
  const auto body = pm::strip_reply_fallback(pm::string_at(e.content, "body"));
  const bool key = key_anywhere(e.content);
  bool direct = co_await is_direct(e.room_id);
  // A key is taken only where nobody else can read it: a chat that began as direct but has a
  // third member now (joined or just invited) is a group room for it.
  if (direct && key && !co_await only_us(e.room_id, e.sender)) direct = false;
  // Outside a direct chat a key is leaked in whatever form it came: a notice, the HTML twin
  // only, an edit that adds it.
  if (!direct && key) {
    co_await leaked_key(e);
    co_return;
  }
  if ((msgtype != "m.text" && msgtype != "m.emote") || edit) co_return;
  auto text = command_text(e, body, direct);
  if (!text) co_return;

  const auto age_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() -
                      e.origin_server_ts;
  if (age_ms > std::int64_t(cfg_.max_command_age_seconds) * 1000) {
    co_await reply(
        e, core::say(core::tone::warning,
                     "I was offline when you sent `" + core::redact(*text) + "` (" +
                         std::to_string(age_ms / 60000) +
                         " min ago), so I did not run it. Send it again if you still want it."));
    co_return;
  }

  core::chat_event ev{"matrix", e.room_id, e.sender, *text, direct, e.event_id};
  // A typing notice only when the answer takes a while (a slow host, a pull).
  asio::steady_timer typing_timer(executor_);
  bool typing = false;
  bool done = false;
  typing_timer.expires_after(std::chrono::milliseconds(700));
  typing_timer.async_wait([&, room = e.room_id](boost::system::error_code ec) {
    if (ec || done) return;
    typing = true;
    spawn(
        [](client& api, std::string room, std::string me,
           core::logger log) -> asio::awaitable<void> {
          auto sent = co_await api.typing(room, me, true);
          if (!sent) log.debug("typing notice failed: {}", sent.error().message);
        }(api_, room, user_id_, log_),
        "typing");
  });
  auto answer = co_await talk_.handle(ev);
  done = true;
  typing_timer.cancel();
  co_await reply(e, answer);
  if (typing) co_await api_.typing(e.room_id, user_id_, false);
}

asio::awaitable<void> bot::reply(const pm::event& to, const core::chat_reply& r) {
  auto content = render(r, talk_.ids_on("matrix", r.mentions));
  const auto rel = pm::relation_of(to.content);
  if (rel.rel_type == "m.thread" && !rel.event_id.empty()) {
    content["m.relates_to"] = {{"rel_type", "m.thread"},
                               {"event_id", rel.event_id},
                               {"is_falling_back", true},
                               {"m.in_reply_to", {{"event_id", to.event_id}}}};
  } else {
    content["m.relates_to"] = {{"m.in_reply_to", {{"event_id", to.event_id}}}};
  }
  auto sent = co_await outbox_->send(to.room_id, "m.room.message", content);
  if (!sent || r.confirmation_id.empty()) co_return;
  talk_.prompt_sent(r.confirmation_id, core::message_ref{to.room_id, *sent});
  for (const char* key : {"✅", "❌"}) {
    pm::json reaction{
        {"m.relates_to", {{"rel_type", "m.annotation"}, {"event_id", *sent}, {"key", key}}}};
    if (auto mine = co_await outbox_->send(to.room_id, "m.reaction", reaction))
      prompt_reactions_[*sent].push_back(*mine);
  }
}

void bot::post(const std::string& room, core::chat_reply reply,
               std::vector<core::alert_action> actions) {
  spawn(
      [](bot& self, std::string room, core::chat_reply reply,
         std::vector<core::alert_action> actions) -> asio::awaitable<void> {
        // Watchers start with the bot: an alert may come before the login is done.
        if (!self.session_settled_)
          co_await self.session_wait_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!self.session_ready_) {
          self.log_.warn("an alert for {} was not posted: not logged in to Matrix", room);
          co_return;
        }
        auto sent = co_await self.outbox_->send(room, "m.room.message",
                                                render(reply, {}, 24 * 1024, message_kind::notice));
        if (!sent || actions.empty()) co_return;
        // Stored, so that a reaction after a restart still runs what the alert offered.
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        std::vector<std::int64_t> ids;
        for (const auto& a : actions)
          ids.push_back(self.alert_actions_.add("matrix", room, a.label, a.emoji, a.command, now));
        self.alert_actions_.set_message(ids, *sent);
        for (const auto& a : actions) {
          pm::json reaction = pm::json::object();
          reaction["m.relates_to"] = {
              {"rel_type", "m.annotation"}, {"event_id", *sent}, {"key", a.emoji}};
          co_await self.outbox_->send(room, "m.reaction", reaction);
        }
      }(*this, room, std::move(reply), std::move(actions)),
      "alert");
}

asio::awaitable<void> bot::on_reaction(const pm::event& e) {
  const auto rel = pm::relation_of(e.content);
  if (rel.rel_type != "m.annotation" || rel.event_id.empty()) co_return;
  pm::event on;  // the message reacted to: the answer is a reply to it
  on.event_id = rel.event_id;
  on.room_id = e.room_id;
  // A reaction on an alert runs its action as the person who reacted, through the usual checks.
  if (auto action = alert_actions_.find("matrix", e.room_id, rel.event_id, rel.key)) {
    core::chat_event ev{"matrix", e.room_id, e.sender, action->command, false, e.event_id};
    co_await reply(on, co_await talk_.handle(ev));
    co_return;
  }
  const auto accept = verdict_of(rel.key);
  if (!accept) co_return;
  core::chat_event actor{"matrix", e.room_id, e.sender, {}, false, e.event_id};
  core::message_ref prompt{e.room_id, rel.event_id};  // named: see the note in shell.cpp
  choosing_.insert(rel.event_id);
  auto answer = co_await talk_.choose(actor, prompt, *accept);
  choosing_.erase(rel.event_id);
  // The prompt, edited, says how it ended: no second message says it again, unless what ran
  // asks something new (a prompt of its own, for its own reactions) or an agent waits for its
  // result block, which it reads in a reply.
  const bool shown = settled_prompts_.erase(rel.event_id) > 0;
  if (answer && (!shown || !answer->confirmation_id.empty() || core::carries_result(*answer)))
    co_await reply(on, *answer);
}

void bot::update(const core::message_ref& where, core::chat_reply reply) {
  if (where.id.empty()) return;
  if (choosing_.count(where.id)) settled_prompts_.insert(where.id);
  auto fresh = render(reply);
  pm::json content = fresh;
  content["body"] = "* " + fresh["body"].get<std::string>();
  content["m.new_content"] = fresh;
  content["m.relates_to"] = {{"rel_type", "m.replace"}, {"event_id", where.id}};
  // A resolved prompt takes no more choices: its ✅ and ❌ go (those sent since this start).
  std::vector<std::string> reactions;
  if (auto it = prompt_reactions_.find(where.id); it != prompt_reactions_.end()) {
    reactions = std::move(it->second);
    prompt_reactions_.erase(it);
  }
  spawn(
      [](outbox& out, std::string room, pm::json content,
         std::vector<std::string> reactions) -> asio::awaitable<void> {
        co_await out.send(room, "m.room.message", std::move(content));
        for (const auto& id : reactions) co_await out.redact(room, id, "resolved");
      }(*outbox_, where.room, std::move(content), std::move(reactions)),
      "prompt edit");
}

}  // namespace wagbot::matrix
