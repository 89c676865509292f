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
#include "wagbot/core/error_text.hpp"
#include "wagbot/core/grammar.hpp"

namespace wagbot::app {

/// Runs what known users ask: parse → route → policy → (a yes first) → execute with the
/// requester's own key → audit. Who is asking, and every confirmation's life, belong to the
/// conversation service (app/conversation.hpp), which plugs in through on_confirmation().
class dispatcher {
 public:
  /// Turns an action that needs a yes into its prompt.
  using asker =
      std::function<core::chat_reply(const requester&, const command&, const core::action&,
                                     const std::string& alias, const std::string& target)>;
  /// Yes (accept) or no to a confirmation id (empty: the latest pending one in the room).
  using resolver =
      std::function<boost::asio::awaitable<core::chat_reply>(const requester&, std::string, bool)>;

  dispatcher(engine& eng, std::vector<command> commands);

  const core::grammar& grammar() const { return grammar_; }
  const std::vector<command>& commands() const { return commands_; }
  engine& eng() { return eng_; }
  const command* find(const std::string& name) const;
  /// Plugs in the conversation service's prompts and resolutions.
  void on_confirmation(asker ask, resolver resolve);

  /// Handles one line a known user wrote (commands, sentences, agent blocks).
  boost::asio::awaitable<core::chat_reply> handle(const requester& who, const std::string& text);

  /// Runs a parsed action for `who` (text, slash commands, agent requests and buttons all end
  /// here).
  boost::asio::awaitable<core::chat_reply> run(const requester& who, const core::action& act);

  /// Structured agent requests (```wagmios blocks, Matrix custom events): each runs like a
  /// command and is answered with a ```wagmios-result block.
  boost::asio::awaitable<core::chat_reply> run_agent(const requester& who,
                                                     std::vector<core::agent_request> requests);

  /// Runs an action a human said yes to, on its pinned host, with scopes read afresh.
  boost::asio::awaitable<core::chat_reply> run_confirmed(const requester& who, const command& cmd,
                                                         const core::action& act);

  /// `confirm` / `cancel` typed as commands: handed to the conversation service.
  boost::asio::awaitable<core::chat_reply> resolve(const requester& actor, std::string id,
                                                   bool accept);

 private:
  boost::asio::awaitable<core::chat_reply> handle_line(const requester& who,
                                                       const std::string& text);
  /// run() without the counting.
  boost::asio::awaitable<core::chat_reply> execute(const requester& who, const core::action& act);
  boost::asio::awaitable<core::chat_reply> fan_out(const requester& who, const command& cmd,
                                                   const core::action& act,
                                                   const std::vector<std::string>& hosts);
  boost::asio::awaitable<core::chat_reply> run_on_host(const requester& who, const command& cmd,
                                                       const core::action& act,
                                                       const std::string& alias, bool confirmed);

  engine& eng_;
  std::vector<command> commands_;
  core::grammar grammar_;
  asker ask_;
  resolver resolve_;
  std::unique_ptr<planner> planner_;  ///< set when a model is configured
  std::uint64_t actions_run_ = 0;     ///< actions started, so handle() can tell lines that ran none
};

/// A reply for a parse error: the message and the usage.
using core::usage_reply;

}  // namespace wagbot::app
