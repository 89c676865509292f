#pragma once
// The Discord transport: the gateway for events, REST for answers. Slash commands (generated
// from the command specs), buttons for confirmations, a modal for keys, autocomplete from the
// invoking user's own key, and optional `!wag` text commands.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "wagbot/core/conversation.hpp"
#include "wagbot/core/state.hpp"
#include "wagbot/core/transport.hpp"
#include "wagbot/discord/config.hpp"
#include "wagbot/discord/gateway.hpp"
#include "wagbot/discord/rest.hpp"

namespace wagbot::discord {

/// The custom id of an alert's button: this prefix, then the stored action's id.
constexpr std::string_view action_prefix = "wagbot:act:";

class bot : public core::chat_transport {
 public:
  /// `inbox` journals the interactions being run, so that a restart after a crash can tell
  /// their requesters that it cut them short (never running them again).
  bot(boost::asio::any_io_executor executor, const discord::config& cfg, core::conversation& talk,
      net::http_client& http, core::transport_state state, core::logger log);

  /// Runs the gateway until stop() (0) or a fatal error (exit code).
  boost::asio::awaitable<int> run() override;
  void stop() override;
  core::transport_status status() const override;
  bool connected() const { return gateway_->ready(); }
  bool idle() const { return running_ == 0; }
  const rest& api() const { return *rest_; }
  const gateway& link() const { return *gateway_; }
  std::string network() const override { return "discord"; }

  // An alert's actions become buttons that run as whoever clicks; a prompt's edit turns its
  // buttons off.
  void post(const std::string& channel, core::chat_reply reply,
            std::vector<core::alert_action> actions) override;
  void update(const core::message_ref& where, core::chat_reply reply) override;

 private:
  struct prompt {
    std::string application_id, token;  ///< the interaction that posted it (valid 15 min)
    std::string channel_id, message_id;
    std::chrono::steady_clock::time_point at;
    bool follow_up = false;  ///< a follow-up of the interaction, not its original message
  };

  void on_dispatch(const std::string& type, const pd::json& data);
  void spawn(boost::asio::awaitable<void> work, const char* what);
  boost::asio::awaitable<void> register_commands();
  boost::asio::awaitable<void> on_message(pd::message m);
  // interactions.cpp
  boost::asio::awaitable<void> on_interaction(pd::interaction i);
  boost::asio::awaitable<void> on_command(const pd::interaction& i);
  boost::asio::awaitable<void> on_component(const pd::interaction& i);
  boost::asio::awaitable<void> on_autocomplete(const pd::interaction& i);
  boost::asio::awaitable<void> on_modal(const pd::interaction& i);
  /// "Restart" or "Logs" from an alert's menu: the alert's own action of that name.
  boost::asio::awaitable<void> on_message_command(const pd::interaction& i);
  /// Runs stored actions (an alert's button, a question's picks) as whoever chose them, in
  /// order, with their own keys and checks; `ids` as their components carry them.
  boost::asio::awaitable<void> run_offered(const pd::interaction& i,
                                           const std::vector<std::string>& ids);
  /// Adds the select menu of a question's answers to `body`, each answer stored as an action.
  void offer_picks(const std::string& channel, const core::chat_reply& reply, pd::json& body);
  /// True when Discord took the callback.
  boost::asio::awaitable<bool> respond(const pd::interaction& i, int type, pd::json data);
  boost::asio::awaitable<void> answer(const pd::interaction& i, core::chat_reply reply,
                                      bool deferred);
  /// Remembers where the prompt of confirmation `id` is, and tells the conversation.
  void remember_prompt(const std::string& id, prompt where);
  /// Journals an interaction (or text command) about to run; false when it was seen before.
  bool journal(const std::string& id, const std::string& channel, const pd::json& payload);
  /// After a crash: answers what was running then (at most once: it is not run again).
  boost::asio::awaitable<void> tell_interrupted();
  core::chat_event event_for(const std::string& channel, const std::string& guild,
                             const pd::user& u, std::string text) const;

  boost::asio::any_io_executor executor_;
  const discord::config& cfg_;
  core::conversation& talk_;
  core::journal& inbox_;
  core::action_book& alert_actions_;  ///< what alert buttons run, by the id they carry
  core::logger log_;
  std::unique_ptr<rest> rest_;
  std::unique_ptr<gateway> gateway_;
  std::string application_id_, bot_user_id_;
  bool commands_registered_ = false;
  bool told_interrupted_ = false;
  std::map<std::string, prompt> prompts_;  ///< confirmation id → where its prompt is
  std::size_t running_ = 0;
};

}  // namespace wagbot::discord
