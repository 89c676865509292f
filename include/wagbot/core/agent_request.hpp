#pragma once
// Structured requests from agents: a fenced ```wagmios block holding one JSON request or a list,
//   {"id":"r1","host":"nas","action":"restart","target":"nginx","args":{…}}
// turned into the same actions people's commands become, and answered with a
// ```wagmios-result block the agent can parse.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wagbot/core/action.hpp"
#include "wagbot/core/grammar.hpp"
#include "wagbot/core/reply.hpp"

namespace wagbot::core {

/// One request as the agent sent it, and what it became (or why it is malformed).
struct agent_request {
  std::string id;                            ///< echoed in the result; "" when the agent gave none
  std::optional<action> act;                 ///< set when the request is valid
  reply_code error_code = reply_code::none;  ///< INVALID_REQUEST, UNKNOWN_ACTION, … when not
  std::string error_message;
};

/// True when the text holds a ```wagmios block.
bool has_agent_block(std::string_view text);

/// Every request in every ```wagmios block of `text` (a block holds an object or an array).
std::vector<agent_request> parse_agent_requests(std::string_view text, const grammar& g);

/// The same from a JSON value (a Matrix custom event's content: a request, a list, or
/// {"requests":[…]}).
std::vector<agent_request> parse_agent_json(const nlohmann::json& value, const grammar& g);

/// The machine-readable result of one request: {id, status, data, error}.
/// status: ok | error | pending_confirmation.
nlohmann::json result_of(const std::string& id, const chat_reply& reply);

/// The language tag of the code block that carries an agent's result.
constexpr std::string_view result_lang = "wagmios-result";

/// Whether `reply` carries an agent's result block (an agent reads it in a reply of its own).
bool carries_result(const chat_reply& reply);

/// A ```wagmios-result block plus the short human line.
std::string result_block(const nlohmann::json& result);

}  // namespace wagbot::core
