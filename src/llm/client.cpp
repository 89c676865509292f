#include "wagbot/llm/client.hpp"

#include "wagbot/core/redact.hpp"

namespace wagbot::llm {

namespace asio = boost::asio;
namespace cc = protocol::chat_completions;

namespace {
std::string clip(std::string text, std::size_t n) {
  if (text.size() <= n) return text;
  text.resize(n);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  return text + "…";
}

error transport_error(const boost::system::error_code& ec, std::chrono::milliseconds timeout) {
  switch (net::classify(ec)) {
    case net::failure::timeout:
      return {errc::timeout, "",
              "did not answer within " + std::to_string(timeout.count() / 1000) + " s"};
    case net::failure::refused:
      return {errc::host_unreachable, "", "is not reachable (connection refused)"};
    case net::failure::name_not_found:
      return {errc::host_unreachable, "", "is not reachable (host name not found)"};
    case net::failure::tls:
      return {errc::tls_failure, "", "could not be reached securely (TLS failed)"};
    case net::failure::other:
      break;
  }
  return {errc::host_unreachable, "", "is not reachable (" + ec.message() + ")"};
}
}  // namespace

client::client(net::http_client& http, endpoint where) : http_(http), where_(std::move(where)) {}

asio::awaitable<boost::system::result<cc::completion, error>> client::complete(
    const nlohmann::json& body) {
  using outcome = boost::system::result<cc::completion, error>;
  net::http_request req;
  req.method = "POST";
  req.target = "/chat/completions";
  req.timeout = where_.timeout;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "application/json");
  if (!where_.api_key.empty())
    req.headers.emplace_back("Authorization", "Bearer " + where_.api_key);
  req.body = body.dump();
  auto response = co_await http_.send(where_.base, where_.tls, std::move(req));
  if (!response) co_return transport_error(response.error(), where_.timeout);
  if (response->status < 200 || response->status >= 300) {
    auto why = cc::error_message(response->body);
    std::string text = "answered HTTP " + std::to_string(response->status);
    // A server may echo the credential it refused ("Incorrect API key provided: …").
    if (!why.empty()) text += ": " + clip(core::redact(why, where_.api_key), 200);
    co_return error{kind_of_status(response->status), "", std::move(text), response->status};
  }
  auto parsed = cc::parse_completion(response->body);
  if (!parsed) {
    auto e = parsed.error();
    e.message = "gave an answer that is not a chat completion (" + e.message + ")";
    co_return e;
  }
  co_return outcome(boost::system::in_place_value, std::move(*parsed));
}

}  // namespace wagbot::llm
