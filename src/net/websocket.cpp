#include "wagbot/net/websocket.hpp"

#include "beast_names.hpp"

#include <deque>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace wagbot::net {

namespace ws = beast::websocket;

struct websocket::impl {
  asio::any_io_executor executor;
  std::string user_agent;
  std::unique_ptr<asio::ssl::context> tls_context;
  std::unique_ptr<ws::stream<beast::tcp_stream>> plain;
  std::unique_ptr<ws::stream<beast::ssl_stream<beast::tcp_stream>>> secure;
  std::deque<std::string> outgoing;
  bool writing = false;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  beast::tcp_stream& lowest() {
    return plain ? plain->next_layer() : beast::get_lowest_layer(*secure);
  }

  template <class F>
  auto visit(F&& f) {
    return plain ? f(*plain) : f(*secure);
  }

  asio::awaitable<void> drain(std::shared_ptr<bool> alive_flag) {
    while (*alive_flag && !outgoing.empty()) {
      std::string message = std::move(outgoing.front());
      outgoing.pop_front();
      error_code ec;
      if (plain)
        std::tie(ec, std::ignore) = co_await plain->async_write(asio::buffer(message), use_tuple);
      else
        std::tie(ec, std::ignore) = co_await secure->async_write(asio::buffer(message), use_tuple);
      if (!*alive_flag) co_return;
      if (ec) {
        outgoing.clear();  // the read side reports the failure
        break;
      }
    }
    if (*alive_flag) writing = false;
  }
};

websocket::websocket(asio::any_io_executor executor, std::string user_agent)
    : impl_(std::make_unique<impl>()) {
  impl_->executor = std::move(executor);
  impl_->user_agent = std::move(user_agent);
}

websocket::~websocket() {
  *impl_->alive = false;
}

asio::awaitable<error_code> websocket::connect(const url& where, std::string target,
                                               const tls_options& tls,
                                               std::chrono::milliseconds timeout) {
  auto& s = *impl_;
  s.plain.reset();
  s.secure.reset();
  s.outgoing.clear();
  s.writing = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;

  auto [rec, endpoints] = co_await resolve(s.executor, where.host, where.port, deadline);
  if (rec) co_return rec;

  if (where.tls()) {
    s.tls_context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    try {
      configure_client_context(*s.tls_context, tls);
    } catch (const std::exception&) {
      co_return error_code(asio::error::invalid_argument);
    }
    s.secure = std::make_unique<ws::stream<beast::ssl_stream<beast::tcp_stream>>>(s.executor,
                                                                                  *s.tls_context);
    if (tls.pinned_sha256.empty())
      s.secure->next_layer().set_verify_callback(asio::ssl::host_name_verification(where.host));
    if (!SSL_set_tlsext_host_name(s.secure->next_layer().native_handle(), where.host.c_str()))
      co_return error_code(asio::error::invalid_argument);
  } else {
    s.plain = std::make_unique<ws::stream<beast::tcp_stream>>(s.executor);
  }
  s.lowest().expires_at(deadline);
  auto [cec, ep] = co_await s.lowest().async_connect(endpoints, use_tuple);
  if (cec) co_return cec;
  // Frames are small and each is wanted at once (a heartbeat, a resume): no Nagle delay.
  error_code ignored;
  s.lowest().socket().set_option(tcp::no_delay(true), ignored);
  if (s.secure) {
    auto [hec] =
        co_await s.secure->next_layer().async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (hec) co_return hec;
  }
  const std::string host = where.host + ":" + std::to_string(where.port);
  const std::string path = where.path + (target.empty() ? "/" : target);
  const auto agent = s.user_agent;
  error_code uec;
  auto decorate = [agent](ws::request_type& req) {
    req.set(beast::http::field::user_agent, agent);
  };
  if (s.plain) {
    s.plain->set_option(ws::stream_base::decorator(decorate));
    std::tie(uec) = co_await s.plain->async_handshake(host, path, use_tuple);
  } else {
    s.secure->set_option(ws::stream_base::decorator(decorate));
    std::tie(uec) = co_await s.secure->async_handshake(host, path, use_tuple);
  }
  if (uec) co_return uec;
  // From here the protocol's own heartbeat watches the link; Beast's timeouts stay off.
  s.lowest().expires_never();
  s.visit([](auto& stream) {
    stream.set_option(
        ws::stream_base::timeout{std::chrono::seconds(10), ws::stream_base::none(), false});
    stream.read_message_max(8 * 1024 * 1024);
    return 0;
  });
  co_return error_code{};
}

asio::awaitable<boost::system::result<std::string>> websocket::read() {
  auto& s = *impl_;
  if (!s.plain && !s.secure) co_return error_code(asio::error::not_connected);
  beast::flat_buffer buffer;
  error_code ec;
  if (s.plain)
    std::tie(ec, std::ignore) = co_await s.plain->async_read(buffer, use_tuple);
  else
    std::tie(ec, std::ignore) = co_await s.secure->async_read(buffer, use_tuple);
  if (ec) co_return ec;
  co_return beast::buffers_to_string(buffer.data());
}

void websocket::write(std::string text) {
  auto& s = *impl_;
  if (!s.plain && !s.secure) return;
  s.outgoing.push_back(std::move(text));
  if (s.writing) return;
  s.writing = true;
  asio::co_spawn(s.executor, s.drain(s.alive), asio::detached);
}

asio::awaitable<void> websocket::close(std::uint16_t code) {
  auto& s = *impl_;
  if (!s.plain && !s.secure) co_return;
  s.lowest().expires_after(std::chrono::seconds(5));
  ws::close_reason reason(code);
  if (s.plain)
    co_await s.plain->async_close(reason, use_tuple);
  else
    co_await s.secure->async_close(reason, use_tuple);
}

void websocket::abort() {
  auto& s = *impl_;
  if (!s.plain && !s.secure) return;
  error_code ignored;
  s.lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
  s.lowest().socket().close(ignored);
}

std::uint16_t websocket::close_code() const {
  auto& s = *impl_;
  if (s.plain) return static_cast<std::uint16_t>(s.plain->reason().code);
  if (s.secure) return static_cast<std::uint16_t>(s.secure->reason().code);
  return 0;
}

std::string websocket::close_reason() const {
  auto& s = *impl_;
  if (s.plain) return std::string(s.plain->reason().reason.c_str());
  if (s.secure) return std::string(s.secure->reason().reason.c_str());
  return {};
}

bool websocket::is_open() const {
  auto& s = *impl_;
  return (s.plain && s.plain->is_open()) || (s.secure && s.secure->is_open());
}

}  // namespace wagbot::net
