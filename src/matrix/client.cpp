#include "wagbot/matrix/client.hpp"

#include <map>

namespace wagbot::matrix {

using net::percent_encode;
using pm::json;

namespace {
constexpr auto normal = std::chrono::seconds(20);
const std::string v3 = "/_matrix/client/v3";
}  // namespace

client::client(net::http_client& http, net::url homeserver, net::tls_options tls)
    : http_(http), base_(std::move(homeserver)), tls_(std::move(tls)) {}

task<json> client::call(const char* method, std::string target, std::optional<json> body,
                        std::chrono::milliseconds timeout, bool auth) {
  net::http_request req;
  req.method = method;
  req.target = std::move(target);
  req.timeout = timeout;
  if (auth && !token_.empty()) req.headers.emplace_back("Authorization", "Bearer " + token_);
  if (body) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body->dump(-1, ' ', false, json::error_handler_t::replace);  // body is engaged here
  }
  auto response = co_await http_.send(base_, tls_, std::move(req));
  if (!response) {
    wagbot::error e;
    e.kind = errc::host_unreachable;  // any transport failure, TLS included, is retried
    e.message = response.error().message();
    co_return e;
  }
  if (response->status < 200 || response->status >= 300)
    co_return pm::parse_error(response->status, response->body, response->header("Retry-After"));
  auto doc = json::parse(response->body, nullptr, false);
  if (doc.is_discarded()) {
    wagbot::error e;
    e.kind = errc::bad_response;
    e.http_status = 502;  // a proxy page or garbage: treat as a server error worth retrying
    e.message = "the homeserver's answer was not JSON";
    co_return e;
  }
  co_return result<json>{boost::system::in_place_value, std::move(doc)};
}

task<json> client::versions() {
  return call("GET", "/_matrix/client/versions", std::nullopt, normal, false);
}

task<login_result> client::login_password(std::string_view user, std::string_view password,
                                          std::string_view device_id) {
  json body{{"type", "m.login.password"},
            {"identifier", {{"type", "m.id.user"}, {"user", user}}},
            {"password", password},
            {"initial_device_display_name", "wagbot"}};
  if (!device_id.empty()) body["device_id"] = device_id;
  auto doc = co_await call("POST", v3 + "/login", std::move(body), normal, false);
  if (!doc) co_return doc.error();
  co_return login_result{doc->value("user_id", ""), doc->value("access_token", ""),
                         doc->value("device_id", "")};
}

task<json> client::whoami() {
  return call("GET", v3 + "/account/whoami", std::nullopt, normal);
}

task<std::string> client::upload_filter(std::string_view user_id, const json& filter) {
  auto doc =
      co_await call("POST", v3 + "/user/" + percent_encode(user_id) + "/filter", filter, normal);
  if (!doc) co_return doc.error();
  co_return doc->value("filter_id", "");
}

task<pm::sync_response> client::sync(std::string_view since, std::string_view filter_id,
                                     std::chrono::milliseconds timeout) {
  std::string target =
      v3 + "/sync?timeout=" + std::to_string(timeout.count()) + "&set_presence=offline";
  if (!since.empty()) target += "&since=" + percent_encode(since);
  if (!filter_id.empty()) target += "&filter=" + percent_encode(filter_id);
  auto doc =
      co_await call("GET", std::move(target), std::nullopt, timeout + std::chrono::seconds(15));
  if (!doc) co_return doc.error();
  try {
    co_return pm::parse_sync(std::move(*doc));
  } catch (const json::exception&) {
    wagbot::error e;
    e.kind = errc::bad_response;
    e.http_status = 502;
    e.message = "the /sync answer had no next_batch";
    co_return e;
  }
}

task<std::string> client::send(std::string_view room, std::string_view type, std::string_view txn,
                               const json& content) {
  auto doc = co_await call("PUT",
                           v3 + "/rooms/" + percent_encode(room) + "/send/" + percent_encode(type) +
                               "/" + percent_encode(txn),
                           content, normal);
  if (!doc) co_return doc.error();
  co_return doc->value("event_id", "");
}

task<std::string> client::redact(std::string_view room, std::string_view event_id,
                                 std::string_view txn, std::string_view reason) {
  json body{{"reason", reason}};
  auto doc = co_await call("PUT",
                           v3 + "/rooms/" + percent_encode(room) + "/redact/" +
                               percent_encode(event_id) + "/" + percent_encode(txn),
                           std::move(body), normal);
  if (!doc) co_return doc.error();
  co_return doc->value("event_id", "");
}

task<json> client::join(std::string_view room) {
  json body = json::object();
  return call("POST", v3 + "/rooms/" + percent_encode(room) + "/join", std::move(body), normal);
}

task<json> client::leave(std::string_view room) {
  json body = json::object();
  return call("POST", v3 + "/rooms/" + percent_encode(room) + "/leave", std::move(body), normal);
}

task<json> client::typing(std::string_view room, std::string_view user_id, bool on) {
  json body{{"typing", on}};
  if (on) body["timeout"] = 30000;
  return call("PUT", v3 + "/rooms/" + percent_encode(room) + "/typing/" + percent_encode(user_id),
              std::move(body), normal);
}

task<json> client::members(std::string_view room) {
  return call("GET", v3 + "/rooms/" + percent_encode(room) + "/members?not_membership=leave",
              std::nullopt, normal);
}

task<json> client::joined_members(std::string_view room) {
  return call("GET", v3 + "/rooms/" + percent_encode(room) + "/joined_members", std::nullopt,
              normal);
}

task<json> client::state(std::string_view room, std::string_view type, std::string_view state_key) {
  return call("GET",
              v3 + "/rooms/" + percent_encode(room) + "/state/" + percent_encode(type) + "/" +
                  percent_encode(state_key),
              nullptr, normal);
}

task<json> client::account_data(std::string_view user_id, std::string_view type) {
  return call("GET",
              v3 + "/user/" + percent_encode(user_id) + "/account_data/" + percent_encode(type),
              std::nullopt, normal);
}

task<json> client::put_account_data(std::string_view user_id, std::string_view type,
                                    const json& content) {
  return call("PUT",
              v3 + "/user/" + percent_encode(user_id) + "/account_data/" + percent_encode(type),
              content, normal);
}

task<json> client::request(std::string method, std::string path, json body) {
  // Only the crypto machine's requests come here: /keys/* and /sendToDevice, all under v3.
  static const std::map<std::string, const char*> methods{
      {"GET", "GET"}, {"POST", "POST"}, {"PUT", "PUT"}};
  const auto m = methods.find(method);
  if (m == methods.end() || path.rfind(v3 + "/", 0) != 0) {
    wagbot::error e;
    e.kind = errc::invalid_input;
    e.message = "refused to send " + method + " " + path;
    co_return e;
  }
  co_return co_await call(m->second, std::move(path), std::move(body), normal);
}

}  // namespace wagbot::matrix
