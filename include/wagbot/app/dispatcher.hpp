#pragma once
// One chat line through the whole flow: identity → parse → route → policy → (confirmation) →
// execute with the requester's own key → audit → reply.
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "wagbot/app/command.hpp"
#include "wagbot/app/engine.hpp"
#include "wagbot/app/planner.hpp"
#include "wagbot/core/agent_request.hpp"
#include "wagbot/core/chat_event.hpp"
#include "wagbot/core/grammar.hpp"

namespace wagbot::app {

/// How a confirmation ended, for transports that update their prompt (edit, disable buttons).
struct confirmation_outcome {
  store::confirmation confirmation;  ///< with its final state
  std::string by;                    ///< the wagbot user who resolved it; empty on expiry
  core::chat_reply result;           ///< what running it (or not) answered
};

class dispatcher {
 public:
  using resolved_listener = std::function<void(const confirmation_outcome&)>;

  dispatcher(engine& eng, std::vector<command> commands);

  const core::grammar& grammar() const { return grammar_; }
  const std::vector<command>& commands() const { return commands_; }
  engine& eng() { return eng_; }

  /// The configured user behind a chat event, if any.
  std::optional<requester> identify(const core::chat_event& ev) const;

  /// Handles one line written to the bot and returns the answer.
  boost::asio::awaitable<core::chat_reply> handle(const core::chat_event& ev);

  /// Runs a parsed action for `who` (text, slash commands, agent requests and buttons all end here).
  boost::asio::awaitable<core::chat_reply> run(const requester& who, const core::action& act);

  /// Structured agent requests (```wagmios blocks, Matrix custom events): each runs like a
  /// command and is answered with a ```wagmios-result block.
  boost::asio::awaitable<core::chat_reply> run_agent(const requester& who, std::vector<core::agent_request> requests);

  /// Yes (accept) or no to confirmation `id`; an empty id means the actor's latest pending one
  /// in this room.
  boost::asio::awaitable<core::chat_reply> resolve(const requester& actor, std::string id,
                                                   bool accept);

  /// Marks due confirmations expired and returns them, so transports can update their prompts.
  std::vector<store::confirmation> expire_due();

  /// Called whenever a confirmation is confirmed (after it ran), cancelled or expires.
  void on_resolved(resolved_listener listener) { listeners_.push_back(std::move(listener)); }

 private:
  const command* find(const std::string& name) const;
  boost::asio::awaitable<core::chat_reply> handle_line(const core::chat_event& ev);
  /// run() without the counting.
  boost::asio::awaitable<core::chat_reply> execute(const requester& who, const core::action& act);
  boost::asio::awaitable<core::chat_reply> run_on_host(const requester& who, const command& cmd,
                                                       const core::action& act,
                                                       const std::string& alias, bool confirmed);
  core::chat_reply ask_confirmation(const requester& who, const command& cmd,
                                    const core::action& act, const std::string& alias,
                                    const std::string& target);

  void notify(store::confirmation c, std::string by, const core::chat_reply& result);

  engine& eng_;
  std::vector<resolved_listener> listeners_;
  std::vector<command> commands_;
  core::grammar grammar_;
  std::unique_ptr<planner> planner_;  ///< set when a model is configured
  std::uint64_t actions_run_ = 0;  ///< actions started, so handle() can tell lines that ran none
};

/// A reply for a parse error: the message and the usage.
core::chat_reply usage_reply(const core::parse_error& error);

}  // namespace wagbot::app
