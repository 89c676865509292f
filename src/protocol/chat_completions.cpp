#include "wagbot/protocol/chat_completions.hpp"

namespace wagbot::protocol::chat_completions {

namespace {
using parsed = boost::system::result<completion, wagbot::error>;
parsed wrong(std::string why) {
  return wagbot::error{errc::bad_response, "", std::move(why)};
}
}  // namespace

parsed parse_completion(const std::string& body) {
  const auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return wrong("the answer is not JSON");
  if (!doc.is_object() || !doc.contains("choices") || !doc["choices"].is_array())
    return wrong("the answer has no `choices`");
  if (doc["choices"].empty()) return wrong("the answer has no choice");
  const auto& choice = doc["choices"][0];
  if (!choice.is_object() || !choice.contains("message") || !choice["message"].is_object())
    return wrong("the first choice has no `message`");
  const auto& message = choice["message"];
  completion out;
  if (choice.contains("finish_reason") && choice["finish_reason"].is_string())
    out.finish_reason = choice["finish_reason"].get<std::string>();
  if (message.contains("content") && !message["content"].is_null()) {
    if (!message["content"].is_string()) return wrong("`content` is not text");
    out.content = message["content"].get<std::string>();
  }
  if (message.contains("tool_calls") && !message["tool_calls"].is_null()) {
    if (!message["tool_calls"].is_array()) return wrong("`tool_calls` is not a list");
    for (const auto& call : message["tool_calls"]) {
      if (!call.is_object() || !call.contains("function") || !call["function"].is_object())
        return wrong("a tool call has no `function`");
      if (call.contains("type") && call["type"] != "function")
        return wrong("a tool call is not of type `function`");
      const auto& fn = call["function"];
      if (!fn.contains("name") || !fn["name"].is_string()) return wrong("a tool call has no name");
      tool_call tc;
      tc.name = fn["name"].get<std::string>();
      if (call.contains("id") && call["id"].is_string()) tc.id = call["id"].get<std::string>();
      // The format says a JSON string; some compatible servers send the object itself.
      if (!fn.contains("arguments") || fn["arguments"].is_null())
        tc.arguments = "{}";
      else if (fn["arguments"].is_string())
        tc.arguments = fn["arguments"].get<std::string>();
      else if (fn["arguments"].is_object())
        tc.arguments = fn["arguments"].dump();
      else
        return wrong("the arguments of `" + tc.name + "` are neither text nor an object");
      out.tool_calls.push_back(std::move(tc));
    }
  }
  return out;
}

std::string error_message(const std::string& body) {
  const auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("error")) return {};
  const auto& e = doc["error"];
  if (e.is_string()) return e.get<std::string>();
  if (e.is_object() && e.contains("message") && e["message"].is_string())
    return e["message"].get<std::string>();
  return {};
}

}  // namespace wagbot::protocol::chat_completions
