#pragma once
// The OpenAI chat-completions wire format, as far as the planner uses it: the answer's first
// choice, with its text and its tool calls. Servers that speak it: OpenAI, Ollama (/v1),
// llama.cpp's server, vLLM, LiteLLM.
//   {"choices":[{"message":{"role":"assistant","content":null,
//     "tool_calls":[{"id":"call_1","type":"function",
//                    "function":{"name":"restart","arguments":"{\"container\":\"nginx\"}"}}]},
//     "finish_reason":"tool_calls"}]}
#include <string>
#include <vector>

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>

#include "wagbot/protocol/error.hpp"

namespace wagbot::protocol::chat_completions {

using json = nlohmann::json;

/// One function call the model asks for. `arguments` is the JSON text the model wrote; it is
/// only parsed (and distrusted) by the planner.
struct tool_call {
  std::string id;
  std::string name;
  std::string arguments;
};

/// The assistant message of the first choice.
struct completion {
  std::string content;  ///< its text; "" when it only called tools
  std::vector<tool_call> tool_calls;
  std::string finish_reason;  ///< "stop", "tool_calls", "length", …
};

/// Parses a 2xx body. The error is a bad_response whose message says what is wrong with its
/// shape.
boost::system::result<completion, wagbot::error> parse_completion(const std::string& body);

/// The message of an error body ({"error":{"message":…}} or {"error":"…"}), or "".
std::string error_message(const std::string& body);

}  // namespace wagbot::protocol::chat_completions
