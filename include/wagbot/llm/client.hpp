#pragma once
// An OpenAI-compatible chat-completions endpoint (`POST {base_url}/chat/completions`), as the
// planner uses it: one request, one answer, a deadline, no streaming and no retry.
#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>

#include "wagbot/net/http_client.hpp"
#include "wagbot/protocol/chat_completions.hpp"
#include "wagbot/protocol/error.hpp"

namespace wagbot::llm {

/// Where the model is and how to reach it.
struct endpoint {
  net::url base;  ///< e.g. http://127.0.0.1:11434/v1
  net::tls_options tls;
  std::string api_key;  ///< sent as a bearer token when set; never logged
  std::chrono::milliseconds timeout{60'000};
};

class client {
 public:
  client(net::http_client& http, endpoint where);

  /// Sends a request body. The error's message is a plain sentence for the user, to follow
  /// "the model " ("did not answer within 30 s", "answered HTTP 500: …", "gave an answer that
  /// is not a chat completion (…)").
  boost::asio::awaitable<boost::system::result<protocol::chat_completions::completion, error>>
  complete(const nlohmann::json& body);

 private:
  net::http_client& http_;
  endpoint where_;
};

}  // namespace wagbot::llm
