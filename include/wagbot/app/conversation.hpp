#pragma once
// The conversation service: who is talking, and the whole life of every confirmation — ask,
// remember the prompt a transport sent, resolve a choice through core::resolve (the one rule
// of who may), run, update the prompt, expire, and tell the requester about an action a crash
// cut short. Transports only translate their traffic into calls on core::conversation.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wagbot/app/dispatcher.hpp"
#include "wagbot/core/conversation.hpp"
#include "wagbot/core/policy.hpp"
#include "wagbot/core/transport.hpp"

namespace wagbot::app {

class conversation final : public core::conversation {
 public:
  /// Takes over the dispatcher's confirmations: it asks and resolves through this service.
  conversation(engine& eng, dispatcher& dispatch);

  /// Prompts asked on `t`'s network are updated through `t`.
  void attach(core::chat_transport& t);
  /// Marks due confirmations expired and updates their prompts (call every second or so).
  void expire_due();

  std::optional<std::string> user_of(const core::chat_event& ev) const override;
  boost::asio::awaitable<core::chat_reply> handle(core::chat_event ev) override;
  boost::asio::awaitable<core::chat_reply> handle_agent(core::chat_event ev,
                                                        nlohmann::json content) override;
  boost::asio::awaitable<core::chat_reply> run(core::chat_event ev, core::action act) override;
  boost::asio::awaitable<std::optional<core::chat_reply>> choose(core::chat_event actor,
                                                                 core::message_ref prompt,
                                                                 bool accept) override;
  boost::asio::awaitable<core::chat_reply> choose_id(core::chat_event actor, std::string id,
                                                     bool accept) override;
  std::optional<core::chat_reply> refusal(const core::chat_event& actor, const std::string& id,
                                          bool accept) override;
  void prompt_sent(const std::string& id, const core::message_ref& where) override;
  std::optional<core::chat_reply> interrupted_choice(const core::chat_event& actor,
                                                     const core::message_ref& prompt) override;
  std::optional<core::chat_reply> interrupted_choice_id(const core::chat_event& actor,
                                                        const std::string& id) override;
  boost::asio::awaitable<std::vector<std::string>> complete(core::chat_event ev,
                                                            core::value_kind kind,
                                                            std::string host) override;
  std::vector<std::string> ids_on(const std::string& network,
                                  const std::vector<std::string>& users) const override;
  const core::grammar& commands() const override { return dispatch_.grammar(); }

 private:
  struct cached_values {
    std::vector<std::string> values;
    std::chrono::steady_clock::time_point at;
  };

  std::optional<requester> identify(const core::chat_event& ev) const;
  core::chat_reply unknown_user(const core::chat_event& ev) const;
  /// The prompt for an action that needs a yes (the dispatcher's asker).
  core::chat_reply ask(const requester& who, const command& cmd, const core::action& act,
                       const std::string& alias, const std::string& target);
  /// The rule's verdict on `actor` answering `c`, read at `now`.
  core::resolution verdict(const store::confirmation& c, const std::string& actor,
                           bool accept) const;
  /// The private answer to a choice that cannot run (already over, not the actor's).
  static core::chat_reply refused(const store::confirmation& c, core::resolution why, bool accept);
  /// Yes or no to confirmation `id` (empty: the actor's latest pending one in this room).
  boost::asio::awaitable<core::chat_reply> resolve(const requester& actor, std::string id,
                                                   bool accept);
  boost::asio::awaitable<core::chat_reply> confirmed(const requester& actor,
                                                     const store::confirmation& c);
  core::chat_reply cancelled(const requester& actor, const store::confirmation& c);
  /// Updates the prompt of a confirmation that just ended, through its network's transport.
  void settle(const store::confirmation& c, const std::string& by, const core::chat_reply& result);
  /// The confirmation a crash cut short, used up: its prompt updated, the notice returned.
  std::optional<core::chat_reply> cut_short(const core::chat_event& actor,
                                            std::optional<store::confirmation> c);

  engine& eng_;
  dispatcher& dispatch_;
  std::map<std::string, core::chat_transport*> transports_;  ///< by network
  std::map<std::string, cached_values> completions_;         ///< user|host|kind → recent values
  /// network|sender → when a message from that unknown sender was last logged (engine clock).
  mutable std::map<std::string, std::int64_t> unknown_logged_;
};

/// How a confirmation that ended reads, the same on every network.
core::chat_reply outcome_reply(const store::confirmation& c, const std::string& by,
                               const core::chat_reply& result);

}  // namespace wagbot::app
