#pragma once
// The optional LLM planner's decisions, without I/O: which lines it may see, the tools it is
// offered (generated from the command specs), the request it is sent, and how its tool calls
// become the very actions a typed command would.
//
// The model's answer is untrusted input. A tool call is turned into the command line a person
// could type and checked by the same grammar; it then goes through the same routing, scope
// checks and confirmations, with the requester's own key. The model never sees a key, a token
// or another user's data: only the line, the command specs and the host aliases/descriptions.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>

#include "wagbot/core/action.hpp"
#include "wagbot/core/grammar.hpp"
#include "wagbot/core/intents.hpp"
#include "wagbot/core/reply.hpp"
#include "wagbot/protocol/chat_completions.hpp"

namespace wagbot::core {

/// Longest line the model is ever sent.
inline constexpr std::size_t planner_max_text = 2000;
/// Longest model text shown to the user.
inline constexpr std::size_t planner_max_words = 600;

/// True when a line the grammar rejected may go to the model: it does not start with a command
/// word (those keep their usage help), has two words or more, holds nothing key-like and is not
/// overly long.
bool worth_planning(std::string_view text, const parse_error& error);

/// Commands offered to the model: everything that runs on a host (but the verbatim
/// `template save` and the room's alert subscriptions), plus `help` and `hosts`. Never keys,
/// confirmations, room defaults, alerts or the audit log.
bool plannable(const command_spec& spec);

/// The function name of a command ("key add" would be "key_add").
std::string tool_name(const command_spec& spec);

/// The `tools` of a chat-completions request: one function per plannable command, its
/// parameters from the spec's arguments and options, plus `host` (an enum of `hosts`).
nlohmann::json planner_tools(const grammar& g, const std::vector<host_words>& hosts);

/// The whole request body: system prompt, the user's line, tools; temperature 0.
nlohmann::json planner_request(const std::string& model, std::string_view text,
                               const std::vector<host_words>& hosts, const grammar& g);

/// One tool call as the action a typed command would be, or why it is refused.
boost::system::result<action, std::string> action_from_call(
    const protocol::chat_completions::tool_call& call, const grammar& g,
    const std::vector<host_words>& hosts);

/// The actions of a model's answer, all or nothing: one bad call, or more than `max_actions`,
/// refuses the lot (`refusal` says why).
struct planned {
  std::vector<action> actions;
  std::string refusal;
};
planned plan_from_calls(const std::vector<protocol::chat_completions::tool_call>& calls,
                        const grammar& g, const std::vector<host_words>& hosts,
                        std::size_t max_actions);

/// An action as the line a person would type: restart "my app" @nas.
std::string command_line(const action& act);

/// The answers to "which host?": the action on each of `hosts`.
std::vector<pick> host_picks(const action& act, const std::vector<std::string>& hosts);
/// The answers to "which container?": the action on `host` with its target (the first
/// argument) as each of `names`.
std::vector<pick> target_picks(const action& act, const std::string& host,
                               const std::vector<std::string>& names);

/// The model's own text made fit to show: keys redacted, control characters dropped, cut to
/// `planner_max_words` characters (on a UTF-8 boundary).
std::string model_words(std::string_view content);

}  // namespace wagbot::core
