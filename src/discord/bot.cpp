// Gateway events in, REST out: set-up, command registration, text commands, prompt updates.
#include "wagbot/discord/bot.hpp"

#include <algorithm>

#include "wagbot/core/redact.hpp"
#include "wagbot/discord/render.hpp"
#include "wagbot/discord/slash.hpp"
#include "wagbot/net/tasks.hpp"

namespace wagbot::discord {

namespace asio = boost::asio;

namespace {
constexpr int intent_guilds = 1, intent_guild_messages = 512, intent_direct_messages = 4096,
              intent_message_content = 32768;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

bot::bot(asio::any_io_executor executor, const discord::config& cfg, core::conversation& talk,
         net::http_client& http, core::transport_state state, core::logger log)
    : executor_(executor),
      cfg_(cfg),
      talk_(talk),
      inbox_(state.inbox),
      alert_actions_(state.actions),
      log_(std::move(log)),
      application_id_(cfg.application_id) {
  const std::string agent = "DiscordBot (https://github.com/wagbot/wagbot, " WAGBOT_VERSION ")";
  rest_ = std::make_unique<rest>(http, cfg.api, cfg.token, agent, log_.child("discord.rest"));
  rest_->on_unauthorized([this] { gateway_->fail(exit_gateway_fatal); });
  gateway_options g;
  g.token = cfg.token;
  // Slash commands and buttons need no intent; the privileged Message Content intent is asked
  // for only when text commands are on.
  g.intents = intent_guilds;
  if (cfg.text_commands)
    g.intents |= intent_guild_messages | intent_direct_messages | intent_message_content;
  g.shard_id = cfg.shard_id;
  g.shard_count = cfg.shard_count;
  g.user_agent = agent;
  g.compress = cfg.compress;
  gateway_ = std::make_unique<gateway>(
      executor, *rest_, g, log_.child("discord.gateway"),
      [this](const std::string& t, const pd::json& d) { on_dispatch(t, d); });
}

asio::awaitable<int> bot::run() {
  co_return co_await gateway_->run();
}

core::transport_status bot::status() const {
  return {gateway_->ready(), idle(), rest_->pending(), rest_->rate_limited(),
          gateway_->reconnects()};
}

void bot::remember_prompt(const std::string& id, prompt where) {
  if (id.empty()) return;
  if (!where.message_id.empty())
    talk_.prompt_sent(
        id, core::message_ref{where.channel_id, where.channel_id + ":" + where.message_id});
  prompts_[id] = std::move(where);
}

void bot::stop() {
  gateway_->stop();
}

void bot::spawn(asio::awaitable<void> work, const char* what) {
  net::spawn_counted(executor_, std::move(work), running_,
                     [this, what](const char* why) { log_.error("{} failed: {}", what, why); });
}

void bot::on_dispatch(const std::string& type, const pd::json& data) {
  if (type == "READY") {
    auto r = data.get<pd::ready>();
    bot_user_id_ = r.me.id;
    if (application_id_.empty()) application_id_ = r.application_id;
    if (!commands_registered_) spawn(register_commands(), "command registration");
    if (!told_interrupted_) {
      told_interrupted_ = true;
      spawn(tell_interrupted(), "interrupted notices");
    }
  } else if (type == "INTERACTION_CREATE") {
    spawn(on_interaction(data.get<pd::interaction>()), "interaction");
  } else if (type == "MESSAGE_CREATE" && cfg_.text_commands) {
    spawn(on_message(data.get<pd::message>()), "message");
  }
}

asio::awaitable<void> bot::register_commands() {
  commands_registered_ = true;
  std::vector<core::command_spec> specs = talk_.commands().specs();
  const auto body = application_commands(specs, {cfg_.restrict_destructive, cfg_.user_install});
  const auto menus = std::count_if(body.begin(), body.end(),
                                   [](const pd::json& c) { return c.value("type", 1) == 3; });
  for (const auto& guild : cfg_.guilds) {
    auto done = co_await rest_->call(
        "PUT", "/applications/" + application_id_ + "/guilds/" + guild + "/commands", body);
    if (done)
      log_.info("registered {} slash commands in guild {} (and {} message commands)",
                body.size() - menus, guild, menus);
    else
      log_.error("registering slash commands in guild {} failed: {}", guild, done.error());
  }
  if (cfg_.global_commands || cfg_.user_install) {
    auto done = co_await rest_->call("PUT", "/applications/" + application_id_ + "/commands", body);
    if (!done) log_.error("registering global slash commands failed: {}", done.error());
  }
}

core::chat_event bot::event_for(const std::string& channel, const std::string& guild,
                                const pd::user& u, std::string text) const {
  return core::chat_event{"discord", channel, u.id, std::move(text), guild.empty(), {}};
}

asio::awaitable<void> bot::on_message(pd::message m) {
  if (m.author.bot || m.author.id == bot_user_id_) co_return;
  const bool direct = m.guild_id.empty();
  if (!direct && core::contains_key(m.content)) {
    // A key in a channel is leaked: delete it if allowed, and say so either way.
    auto deleted =
        co_await rest_->call("DELETE", "/channels/" + m.channel_id + "/messages/" + m.id);
    core::chat_reply r = core::say(
        core::tone::warning,
        std::string(deleted ? "I deleted that message: it contained a WAGMIOS API key."
                            : "That message contains a WAGMIOS API key; please delete it.") +
            " Treat the key as leaked: revoke it in WAGMIOS Settings and add a new one "
            "with `/key add` (it opens a private form).");
    auto body = message_body(r, {m.author.id});
    co_await rest_->call("POST", "/channels/" + m.channel_id + "/messages", body);
    co_return;
  }
  std::string text = m.content;
  const auto low = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (low(text).rfind(low(cfg_.prefix) + " ", 0) == 0)
    text = text.substr(cfg_.prefix.size() + 1);
  else if (low(text) == low(cfg_.prefix))
    text = "help";
  else if (!direct)
    co_return;
  pd::json journalled;
  journalled["kind"] = "message";
  journalled["channel_id"] = m.channel_id;
  journalled["message_id"] = m.id;
  if (!journal(m.id, m.channel_id, journalled)) co_return;
  auto reply = co_await talk_.handle(event_for(m.channel_id, m.guild_id, m.author, text));
  reply.is_private = false;  // a channel message cannot be ephemeral
  auto bodies = message_bodies(reply, talk_.ids_on("discord", reply.mentions));
  offer_picks(m.channel_id, reply, bodies.front());
  bodies.front()["message_reference"] = {{"message_id", m.id}, {"fail_if_not_exists", false}};
  auto sent =
      co_await rest_->call("POST", "/channels/" + m.channel_id + "/messages", bodies.front());
  for (std::size_t k = 1; k < bodies.size(); ++k)
    co_await rest_->call("POST", "/channels/" + m.channel_id + "/messages", bodies[k]);
  if (sent)
    remember_prompt(
        reply.confirmation_id,
        prompt{{}, {}, m.channel_id, sent->value("id", ""), std::chrono::steady_clock::now()});
  inbox_.finish("discord", m.id);
}

bool bot::journal(const std::string& id, const std::string& channel, const pd::json& payload) {
  pd::json entry = payload;
  entry["at"] = unix_now();
  // One write: an interaction runs the moment it is journalled.
  return inbox_.add_started({"discord", id, channel, entry.dump()}, unix_now());
}

asio::awaitable<void> bot::tell_interrupted() {
  // Each was cut short by a crash: it may or may not have taken effect, so it is not run
  // again, but whoever asked hears so (through the interaction while its token is valid).
  for (const auto& entry : inbox_.interrupted("discord")) {
    inbox_.finish("discord", entry.event_id);
    log_.warn("interaction {} was interrupted by a restart; not running it again", entry.event_id);
    const auto p = pd::json::parse(entry.payload, nullptr, false);
    if (!p.is_object()) continue;
    const auto kind = p.value("kind", "");
    const auto age = unix_now() - p.value("at", std::int64_t{0});
    const auto app_id = p.value("application_id", "");
    const auto token = p.value("token", "");
    std::optional<core::chat_reply> cut;
    if (kind == "click" && age <= 14 * 60) {
      // Its prompt still offers the buttons: the conversation says how it ended, through it.
      const auto id = p.value("confirmation", "");
      prompts_[id] = prompt{app_id, token, p.value("channel_id", ""), p.value("message_id", ""),
                            std::chrono::steady_clock::now() - std::chrono::seconds(age)};
      core::chat_event actor{
          "discord", p.value("channel_id", ""), p.value("user_id", ""), {}, false, {}};
      cut = talk_.interrupted_choice_id(actor, id);
    }
    auto notice = cut ? *cut
                      : core::say(core::tone::warning,
                                  "I was restarted while running this command, so I "
                                  "do not know whether it finished. Check (e.g. `/ps`) "
                                  "before asking again.");
    auto body = message_body(notice, {});
    body.erase("components");
    if (kind == "message") {
      pd::json reference;
      reference["message_id"] = p.value("message_id", "");
      reference["fail_if_not_exists"] = false;
      body["message_reference"] = reference;
      co_await rest_->call("POST", "/channels/" + p.value("channel_id", "") + "/messages", body);
      continue;
    }
    if (age > 14 * 60) continue;  // the interaction's token has expired
    const std::string hook = "/webhooks/" + app_id + "/" + token;
    if (kind == "command") {
      co_await rest_->call("PATCH", hook + "/messages/@original", body);
    } else if (kind == "click") {
      co_await rest_->call("POST", hook, body);
    }
  }
}

void bot::post(const std::string& channel, core::chat_reply reply,
               std::vector<core::alert_action> actions) {
  // Each button carries the id of its stored action: it still works after a restart, and
  // an id is never given to another alert. Old ones are dropped after a month.
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::vector<std::pair<std::string, std::string>> buttons;
  for (const auto& a : actions) {
    const auto id = alert_actions_.add("discord", channel, a.label, a.emoji, a.command, now);
    buttons.emplace_back(a.label, std::string(action_prefix) + std::to_string(id));
  }
  spawn(
      [](rest& api, std::string channel, pd::json body) -> asio::awaitable<void> {
        co_await api.call("POST", "/channels/" + channel + "/messages", std::move(body));
      }(*rest_, channel, alert_body(reply, buttons)),
      "alert");
}

void bot::update(const core::message_ref& where, core::chat_reply reply) {
  const auto& id = reply.confirmation_id;
  // The result of a click is its own follow-up message: the prompt keeps the outcome line.
  reply.blocks.resize(std::min<std::size_t>(reply.blocks.size(), 1));
  pd::json body = pd::json::object();
  body["content"] = reply.plain();
  body["components"] = pd::json::array({confirmation_buttons(id, true)});
  body["allowed_mentions"] = {{"parse", pd::json::array()}};
  auto p = prompts_.find(id);
  std::string path;
  if (p != prompts_.end() && !p->second.token.empty() &&
      std::chrono::steady_clock::now() - p->second.at < std::chrono::minutes(14)) {
    path = "/webhooks/" + p->second.application_id + "/" + p->second.token + "/messages/" +
           (p->second.follow_up ? p->second.message_id : "@original");
  } else if (auto colon = where.id.find(':'); colon != std::string::npos) {
    path = "/channels/" + where.id.substr(0, colon) + "/messages/" + where.id.substr(colon + 1);
  } else {
    return;
  }
  prompts_.erase(id);
  spawn(
      [](rest& api, std::string path, pd::json body) -> asio::awaitable<void> {
        co_await api.call("PATCH", std::move(path), std::move(body));
      }(*rest_, path, std::move(body)),
      "prompt update");
}

}  // namespace wagbot::discord
