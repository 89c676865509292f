// The /sync loop: journal each batch's commands, then move the sync position past it.
#include "wagbot/matrix/bot.hpp"

#include "wagbot/core/redact.hpp"
#include "wagbot/net/tasks.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::matrix {

namespace asio = boost::asio;

namespace {
constexpr const char* next_batch_key = "matrix.next_batch";

/// Only what the bot reads: no presence, no typing or receipts, members loaded lazily, and
/// none of its own room messages in the timeline: each reply (and each ✅/❌ under a prompt)
/// would come back in a /sync of its own, to be read, parsed and ignored (issue 15). Its own
/// member events still come, in `state`.
pm::json sync_filter(const std::string& user_id) {
  return {{"room",
           {{"state", {{"lazy_load_members", true}}},
            {"timeline", {{"limit", 50}, {"not_senders", {user_id}}}},
            {"ephemeral", {{"not_types", {"*"}}}},
            {"account_data", {{"not_types", {"*"}}}}}},
          {"presence", {{"not_types", {"*"}}}},
          {"account_data", {{"types", {"m.direct"}}}}};
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer pause(co_await asio::this_coro::executor, d);
  co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
}
}  // namespace

bot::bot(asio::any_io_executor executor, const matrix::config& cfg, core::conversation& talk,
         net::http_client& http, core::transport_state state, core::logger log)
    : executor_(std::move(executor)),
      cfg_(cfg),
      talk_(talk),
      kv_(state.kv),
      inbox_(state.inbox),
      vault_(state.secrets),
      alert_actions_(state.actions),
      log_(std::move(log)),
      api_(http, cfg.base, cfg.tls),
      outbox_(std::make_unique<outbox>(api_, log_.child("matrix.send"))) {
  if (cfg.e2ee && e2ee_built()) {
    crypto_ = std::make_unique<e2ee>(api_, cfg, kv_, vault_, log_.child("matrix.e2ee"));
    outbox_->encrypt_with(crypto_.get());
  }
}

core::transport_status bot::status() const {
  core::transport_status s{connected_, idle(), outbox_->depth(),
                           outbox_->rate_limited() + sync_rate_limited_, reconnects_};
  if (crypto_) {
    s.undecryptable = crypto_->failures_total();
    // One miss is a late key; a run of them means keys do not reach the bot.
    if (crypto_->failures_in_a_row() >= 5)
      s.degraded = std::to_string(crypto_->failures_in_a_row()) +
                   " encrypted events in a row could not be decrypted";
  }
  return s;
}

bool bot::idle() const {
  // Idle means nothing left to do: no command running or queued, no task (an invite, a prompt
  // edit) under way, and nothing waiting in the outbox (a reply sitting out a 429).
  if (running_ > 0 || tasks_ > 0 || outbox_->depth() > 0) return false;
  for (const auto& [id, room] : rooms_)
    if (!room.queue.empty() || room.working) return false;
  return true;
}

void bot::spawn(asio::awaitable<void> work, const char* what) {
  net::spawn_counted(executor_, std::move(work), tasks_,
                     [this, what](const char* why) { log_.error("{} failed: {}", what, why); });
}

asio::awaitable<int> bot::run() {
  const int code = co_await start_session();
  // Alerts that came before the login was done were held back; now they go (or are dropped).
  session_ready_ = code == 0;
  session_settled_ = true;
  session_wait_.cancel();
  if (code != 0) co_return code;
  if (crypto_)
    if (const int failed = co_await crypto_->start(user_id_, device_id_); failed != 0)
      co_return failed;
  co_return co_await sync_loop();
}

asio::awaitable<int> bot::sync_loop() {
  sync_fsm_options options;
  options.long_poll = std::chrono::milliseconds(cfg_.sync_timeout_ms);
  options.can_relogin = !cfg_.password.empty();
  sync_fsm fsm(options);
  if (int code = co_await upload_filter(fsm); code != 0) co_return code;
  replay_journal();
  co_return co_await sync_batches(fsm);
}

asio::awaitable<int> bot::upload_filter(sync_fsm& fsm) {
  while (filter_id_.empty() && !stopping_) {
    const auto filter = sync_filter(user_id_);
    auto id = co_await api_.upload_filter(user_id_, filter);
    if (id) {
      filter_id_ = *id;
      break;
    }
    const auto next = fsm.on_filter_failed(id.error());
    if (next.step == sync_step::exit) co_return next.exit_code;
    log_.warn("cannot upload the sync filter: {}", id.error().message);
    co_await sleep_for(next.delay);
  }
  co_return 0;
}

void bot::replay_journal() {
  // Interrupted ones first: re-queued commands start at once and would look interrupted.
  for (const auto& entry : inbox_.interrupted("matrix")) {
    log_.warn("event {} in {} was interrupted by a restart; not running it again", entry.event_id,
              entry.room);
    inbox_.finish("matrix", entry.event_id);
    // Its requester hears back rather than never: it may or may not have taken effect.
    auto payload = from_journal(entry.payload);
    if (payload.is_object() && payload.value("type", "") == "m.reaction") {
      interrupted_confirmation(pm::take_event(payload));
      continue;
    }
    if (!payload.is_object() || payload.value("type", "") != "m.room.message") continue;
    auto e = pm::take_event(payload);
    spawn(
        [](bot& self, pm::event e) -> asio::awaitable<void> {
          co_await self.reply(
              e, core::say(core::tone::warning,
                           "I was restarted while running this command, so I do not know whether "
                           "it finished. Check (e.g. `ps`) before sending it again."));
        }(*this, std::move(e)),
        "interrupted notice");
  }

  // Commands journalled before a restart but never started run now, in order.
  for (const auto& entry : inbox_.queued("matrix")) {
    auto payload = from_journal(entry.payload);
    if (payload.is_object()) enqueue(entry.room, std::move(payload));
  }
}

asio::awaitable<int> bot::sync_batches(sync_fsm& fsm) {
  auto since = kv_.get(next_batch_key).value_or("");
  const bool first_ever = since.empty();
  while (!stopping_) {
    // The very first sync returns at once and only learns where "now" is: history is not run.
    // Until a sync has succeeded (at start, after a restart, after a failure) it does not
    // long-poll either, so that the bot is connected (and /readyz says so) at once instead of
    // after sync_timeout_ms when the rooms are quiet.
    auto batch = co_await api_.sync(since, filter_id_, fsm.sync_timeout(!since.empty()));
    if (stopping_) fsm.on_stop();
    const auto next = batch ? fsm.on_sync_ok() : fsm.on_sync_failed(batch.error());
    connected_ = fsm.connected();
    reconnects_ = fsm.reconnects();
    sync_rate_limited_ = fsm.rate_limited();
    if (!batch) {
      if (auto code = co_await after_sync_failure(batch.error(), next, fsm)) co_return *code;
      continue;
    }
    if (next.step == sync_step::exit) co_return next.exit_code;
    if (fsm.just_connected()) log_.info("syncing with {}", cfg_.homeserver);
    const bool initial = since.empty() && first_ever;
    co_await handle_batch(*batch, initial);
    since = batch->next_batch;
    // A batch of nothing (a long poll that ran out) or of the bot's own events only (its reply
    // coming back, once per command) would be ignored again if a restart redelivered it: not
    // worth a write. With E2EE every position is kept, as the crypto machine saw it.
    if (initial || crypto_ || !pm::only_own_events(*batch, user_id_))
      kv_.set(next_batch_key, since);
  }
  co_return 0;
}

asio::awaitable<std::optional<int>> bot::after_sync_failure(const wagbot::error& e,
                                                            const sync_action& next,
                                                            sync_fsm& fsm) {
  switch (next.step) {
    case sync_step::exit:
      if (next.cause == sync_cause::bad_token)
        log_.error("the homeserver no longer accepts the bot's token ({}); stopping", e.code);
      co_return next.exit_code;
    case sync_step::relogin: {
      log_.warn("the homeserver rejected the token ({}{}); logging in again", e.code,
                e.soft_logout ? ", soft logout" : "");
      kv_.erase("matrix.access_token");
      const auto after = fsm.on_relogin(co_await start_session());
      if (after.step == sync_step::exit) co_return after.exit_code;
      co_return std::nullopt;
    }
    case sync_step::wait:
      log_.warn("sync failed ({}); retrying in {} ms", e.message, next.delay.count());
      co_await sleep_for(next.delay);
      co_return std::nullopt;
    case sync_step::go:
      break;
  }
  co_return std::nullopt;
}

void bot::interrupted_confirmation(const pm::event& reaction) {
  // A ✅ whose action was cut short: the confirmation is used up (it never runs twice), so the
  // prompt would keep asking for a reaction that can no longer do anything. Say what happened.
  const auto rel = pm::relation_of(reaction.content);
  const core::chat_event actor{"matrix", reaction.room_id, reaction.sender, {},
                               false,    reaction.event_id};
  auto notice = talk_.interrupted_choice(actor, core::message_ref{reaction.room_id, rel.event_id});
  if (!notice) return;
  pm::event prompt;
  prompt.event_id = rel.event_id;
  prompt.room_id = reaction.room_id;
  spawn(
      [](bot& self, pm::event prompt, core::chat_reply notice) -> asio::awaitable<void> {
        co_await self.reply(prompt, notice);
      }(*this, std::move(prompt), std::move(*notice)),
      "interrupted notice");
}

asio::awaitable<void> bot::handle_batch(const pm::sync_response& batch, bool initial) {
  // Keys first: to-device messages may carry the room keys this batch's events need.
  std::vector<std::string> rooms_with_keys;
  if (crypto_) rooms_with_keys = co_await crypto_->on_sync(batch);
  if (batch.direct.is_object()) {
    direct_rooms_.clear();
    for (auto it = batch.direct.begin(); it != batch.direct.end(); ++it)
      for (const auto& room : it.value())
        if (room.is_string()) direct_rooms_.insert(room.get<std::string>());
  }
  for (const auto& invite : batch.invited) spawn(on_invite(invite), "invite");
  for (const auto& room : batch.left) rooms_.erase(room);
  for (const auto& joined : batch.joined) {
    auto& state = rooms_[joined.room_id];
    const bool was_encrypted = state.encrypted;
    for (const auto* list : {&joined.state, &joined.timeline})
      for (const auto& e : *list) {
        if (e.type == "m.room.encryption" || e.type == "m.room.encrypted") {
          state.encrypted = true;
          if (crypto_) crypto_->mark_encrypted(joined.room_id);
        }
        if (e.type == "m.room.member") {
          state.members.reset();
          if (crypto_) crypto_->members_changed(joined.room_id);
        }
      }
    if (state.encrypted && !was_encrypted && !crypto_)
      spawn(encryption_notice(joined.room_id), "encryption notice");
    if (initial) continue;  // the backlog of the first ever sync is never executed
    // A room just joined shows history from before the join: only what was sent while the bot
    // was in the room is meant for it. (Where the server gives no way to tell, history older
    // than max_command_age is the backstop: it gets a notice, not a run.)
    for (const auto* e : pm::sent_while_joined(joined, user_id_)) {
      if (e->type == "m.room.encrypted" && crypto_)
        co_await take_encrypted(*e);
      else
        take(*e);
    }
  }
  if (crypto_) {
    co_await retry_undecrypted(rooms_with_keys);
    give_up_undecrypted();
  }
}

namespace {
constexpr std::string_view journal_aad = "matrix.journal";

/// What replaying an event needs of its content, and nothing more (no HTML twin, no extras).
pm::json replay_content(const std::string& type, const pm::json& content) {
  if (type == agent_event_type || !content.is_object()) return content;
  pm::json kept = pm::json::object();
  for (const char* key : {"msgtype", "body", "m.relates_to", "m.mentions"})
    if (content.contains(key)) kept[key] = content[key];
  return kept;
}
}  // namespace

std::string bot::journal_text(const pm::json& payload) const {
  // The journal never holds a secret: keys are cut down to their last characters (a `key add`
  // replayed after a crash asks for the key again) and the rest is sealed with the master key.
  pm::json kept = pm::json::object();  // built field by field: the content is cut, not copied
  for (auto it = payload.begin(); it != payload.end(); ++it)
    if (it.key() != "content") kept[it.key()] = it.value();
  kept["content"] = replay_content(payload.value("type", ""), payload["content"]);
  return vault_.seal(core::redact(kept.dump()), journal_aad);
}

pm::json bot::from_journal(const std::string& text) const {
  if (auto opened = vault_.open(text, journal_aad)) return pm::json::parse(*opened, nullptr, false);
  return pm::json::parse(text, nullptr, false);  // written before entries were sealed
}

void bot::take(const pm::event& e) {
  if (e.sender == user_id_ || e.event_id.empty()) return;
  const bool message = e.type == "m.room.message";
  const bool reaction = e.type == "m.reaction";
  const bool agent = e.type == agent_event_type;
  if (!message && !reaction && !agent) return;
  // Bots never answer bots' notices, and edits are not new commands; but a key in either is
  // as leaked as in any message, so those go on to be redacted.
  if (message && !key_anywhere(e.content)) {
    if (pm::string_at(e.content, "msgtype") == "m.notice") return;
    if (pm::relation_of(e.content).rel_type == "m.replace") return;
  }
  pm::json payload{{"event_id", e.event_id},
                   {"type", e.type},
                   {"sender", e.sender},
                   {"room_id", e.room_id},
                   {"origin_server_ts", e.origin_server_ts},
                   {"content", e.content}};
  // Journalled before the sync position moves on: a duplicate delivery is dropped here.
  if (!inbox_.add({"matrix", e.event_id, e.room_id, journal_text(payload)}, unix_now())) return;
  enqueue(e.room_id, std::move(payload));
}

void bot::enqueue(const std::string& room, pm::json payload) {
  auto& state = rooms_[room];
  state.queue.push_back(std::move(payload));
  if (!state.working) {
    state.working = true;
    spawn(room_worker(room), "room worker");
  }
}

asio::awaitable<void> bot::room_worker(std::string room) {
  // One command at a time per room: replies come back in the order the commands were sent.
  for (;;) {
    auto& state = rooms_[room];
    if (state.queue.empty()) {
      state.working = false;
      co_return;
    }
    auto payload = std::move(state.queue.front());
    state.queue.pop_front();
    auto e = pm::take_event(payload);
    if (!inbox_.start("matrix", e.event_id)) continue;
    ++running_;
    try {
      if (e.type == "m.reaction")
        co_await on_reaction(e);
      else
        co_await on_message(e);
    } catch (const std::exception& ex) {
      log_.error("handling {} in {} failed: {}", e.event_id, room, ex.what());
    }
    --running_;
    inbox_.finish("matrix", e.event_id);
  }
}

}  // namespace wagbot::matrix
