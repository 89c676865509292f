#pragma once
// Typed calls to a Matrix homeserver's Client-Server API (v3). Every identifier in a path is
// percent-encoded; every call has a deadline; /sync's deadline exceeds its long-poll timeout.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "wagbot/net/http_client.hpp"
#include "wagbot/protocol/matrix.hpp"

namespace wagbot::matrix {

namespace pm = protocol::matrix;
template <class T>
using result = boost::system::result<T, wagbot::error>;
template <class T>
using task = boost::asio::awaitable<result<T>>;

struct login_result {
  std::string user_id, access_token, device_id;
};

class client {
 public:
  client(net::http_client& http, net::url homeserver, net::tls_options tls = {});

  void set_token(std::string token) { token_ = std::move(token); }
  const net::url& homeserver() const { return base_; }

  /// GET /_matrix/client/versions (no auth): is the homeserver there?
  task<pm::json> versions();
  task<login_result> login_password(std::string_view user, std::string_view password,
                                    std::string_view device_id);
  /// {user_id, device_id}
  task<pm::json> whoami();
  task<std::string> upload_filter(std::string_view user_id, const pm::json& filter);
  task<pm::sync_response> sync(std::string_view since, std::string_view filter_id,
                               std::chrono::milliseconds timeout);
  /// PUT /rooms/{room}/send/{type}/{txn}; returns the event id. Same txn = same event.
  task<std::string> send(std::string_view room, std::string_view type, std::string_view txn,
                         const pm::json& content);
  task<std::string> redact(std::string_view room, std::string_view event_id, std::string_view txn,
                           std::string_view reason);
  task<pm::json> join(std::string_view room);
  task<pm::json> leave(std::string_view room);
  task<pm::json> typing(std::string_view room, std::string_view user_id, bool on);
  /// {joined: {user_id: {...}}}
  task<pm::json> joined_members(std::string_view room);
  /// {chunk: [m.room.member events]} of everyone who has not left (joined, invited, banned…).
  task<pm::json> members(std::string_view room);
  /// The content of one state event; M_NOT_FOUND when absent.
  task<pm::json> state(std::string_view room, std::string_view type,
                       std::string_view state_key = "");
  /// The bot's own account data of one type (M_NOT_FOUND when absent).
  task<pm::json> account_data(std::string_view user_id, std::string_view type);
  task<pm::json> put_account_data(std::string_view user_id, std::string_view type,
                                  const pm::json& content);
  /// A request the crypto machine built: its method, path (already encoded) and body.
  task<pm::json> request(std::string method, std::string path, pm::json body);

 private:
  /// The body is taken by value: a coroutine starts lazily, after the caller's locals are gone.
  task<pm::json> call(const char* method, std::string target, std::optional<pm::json> body,
                      std::chrono::milliseconds timeout, bool auth = true);

  net::http_client& http_;
  net::url base_;
  net::tls_options tls_;
  std::string token_;
};

}  // namespace wagbot::matrix
