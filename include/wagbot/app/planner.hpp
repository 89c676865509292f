#pragma once
// The optional LLM planner: a line that is neither a command, an agent request nor a sentence
// the deterministic intents read goes to an OpenAI-compatible model (when one is configured).
// Its tool calls become actions that the dispatcher runs like typed commands, with two extra
// rules: everything that writes asks for a confirmation first, and a plan is all or nothing.
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "wagbot/app/command.hpp"
#include "wagbot/app/config.hpp"
#include "wagbot/core/grammar.hpp"
#include "wagbot/core/intents.hpp"
#include "wagbot/core/log.hpp"
#include "wagbot/core/reply.hpp"
#include "wagbot/llm/client.hpp"

namespace wagbot::app {

class dispatcher;

/// What the model made of a line.
struct model_plan {
  std::vector<core::action> actions;  ///< validated, each marked `planned`; empty otherwise
  std::string words;                  ///< its text, when it called no tool (made fit to show)
  std::string refusal;                ///< why its tool calls were refused: nothing runs
};

class planner {
 public:
  planner(net::http_client& http, const planner_config& cfg, core::logger log);

  /// Asks the model. The error's message is a plain sentence: the endpoint is down, slow, or
  /// garbled.
  boost::asio::awaitable<boost::system::result<model_plan, error>> ask(
      const std::string& text, const std::vector<core::host_words>& hosts, const core::grammar& g);

  /// The whole answer to a line: the model's plan run through `d` as `who`, its words, or
  /// — when it cannot help — `usage`, the help the line would have had anyway.
  boost::asio::awaitable<core::chat_reply> answer(dispatcher& d, const requester& who,
                                                  const std::string& text,
                                                  const std::vector<core::host_words>& hosts,
                                                  const core::parse_error& usage);

 private:
  const planner_config& cfg_;
  core::logger log_;
  llm::client client_;
};

/// For `wagbot explain --planner`: asks the model once, on an io_context of its own.
boost::system::result<model_plan, error> ask_once(const planner_config& cfg,
                                                  const std::string& text,
                                                  const std::vector<core::host_words>& hosts,
                                                  const core::grammar& g, core::logger log);

}  // namespace wagbot::app
