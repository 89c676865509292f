#include "wagbot/net/http_client.hpp"

#include "beast_names.hpp"

#include <sys/socket.h>

#include <strings.h>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>

namespace wagbot::net {

namespace http = beast::http;

constexpr std::size_t max_body = 16 * 1024 * 1024;
constexpr auto max_idle = std::chrono::seconds(30);
// One read takes a typical answer (a /sync with a command, a container list) whole.
constexpr std::size_t read_chunk = 8 * 1024;
// Idle keep-alive connections kept per origin: enough for steady traffic, while a burst of
// requests in flight does not leave one open connection (fd and buffers) per request behind.
constexpr std::size_t max_idle_per_origin = 16;

std::string http_response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), name.size()) == 0)
      return value;
  return {};
}

failure classify(const error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return failure::timeout;
  if (ec.category() == asio::error::get_ssl_category() ||
      ec.category() == asio::ssl::error::get_stream_category())
    return failure::tls;
  if (ec == asio::error::connection_refused) return failure::refused;
  if (ec == asio::error::host_not_found || ec == asio::error::host_not_found_try_again)
    return failure::name_not_found;
  return failure::other;
}

namespace {

/// One open connection; exactly one of the two streams is set.
struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*secure); }

  /// A keep-alive connection the server has closed reads as EOF without blocking.
  bool still_open() {
    auto& socket = lowest().socket();
    if (!socket.is_open()) return false;
    char byte;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    return false;  // unsolicited bytes: the framing is lost, do not reuse
  }
};

std::string pool_key(const url& base, const tls_options& tls) {
  return base.origin() + "|" + tls.ca_file + "|" + tls.pinned_sha256;
}

}  // namespace

struct http_client::impl {
  asio::any_io_executor executor;
  std::string user_agent;
  std::map<std::string, std::vector<std::unique_ptr<connection>>> idle;
  std::map<std::string, std::unique_ptr<asio::ssl::context>> contexts;

  asio::ssl::context& context_for(const tls_options& tls) {
    auto key = tls.ca_file + "|" + tls.pinned_sha256;
    auto& slot = contexts[key];
    if (!slot) {
      slot = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
      configure_client_context(*slot, tls);
    }
    return *slot;
  }

  std::unique_ptr<connection> take_idle(const std::string& key) {
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    while (!list.empty()) {
      auto conn = std::move(list.back());
      list.pop_back();
      if (std::chrono::steady_clock::now() - conn->idle_since < max_idle && conn->still_open())
        return conn;
    }
    return nullptr;
  }

  asio::awaitable<boost::system::result<std::unique_ptr<connection>>> connect(
      const url& base, const tls_options& tls, std::chrono::steady_clock::time_point deadline) {
    auto [rec, endpoints] = co_await resolve(executor, base.host, base.port, deadline);
    if (rec) co_return rec;

    auto conn = std::make_unique<connection>();
    if (base.tls()) {
      conn->secure =
          std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, context_for(tls));
      if (tls.pinned_sha256.empty())
        conn->secure->set_verify_callback(asio::ssl::host_name_verification(base.host));
      // SNI: virtual hosts behind a reverse proxy choose their certificate by it.
      if (!SSL_set_tlsext_host_name(conn->secure->native_handle(), base.host.c_str()))
        co_return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
    } else {
      conn->plain = std::make_unique<beast::tcp_stream>(executor);
    }
    conn->lowest().expires_at(deadline);
    auto [cec, endpoint] = co_await conn->lowest().async_connect(endpoints, use_tuple);
    if (cec) co_return cec;
    // A request is written whole and waits for its answer: Nagle's algorithm could only hold
    // back a segment (until a delayed ACK, 40 ms on Linux) and never saves one here.
    error_code ignored;
    conn->lowest().socket().set_option(tcp::no_delay(true), ignored);
    // Beast reads max(512, free capacity) at a time and its parser empties the buffer as it
    // goes: without room reserved, every answer is read 512 bytes per recvmsg.
    conn->buffer.reserve(read_chunk);
    if (conn->secure) {
      auto [hec] =
          co_await conn->secure->async_handshake(asio::ssl::stream_base::client, use_tuple);
      if (hec) co_return hec;
    }
    co_return conn;
  }

  /// One exchange on `conn`; `sent_nothing` tells the caller whether a retry is safe.
  asio::awaitable<boost::system::result<http_response>> exchange(
      connection& conn, const url& base, const http_request& req,
      std::chrono::steady_clock::time_point deadline, bool& keep_alive) {
    http::request<http::string_body> message;
    message.method(http::string_to_verb(req.method));
    message.target(base.path + req.target);
    message.version(11);
    const bool default_port = base.port == (base.tls() ? 443 : 80);
    message.set(http::field::host,
                default_port ? base.host : base.host + ":" + std::to_string(base.port));
    message.set(http::field::user_agent, user_agent);
    for (const auto& [key, value] : req.headers) message.set(key, value);
    if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      message.body() = req.body;
      message.prepare_payload();
    }

    conn.lowest().expires_at(deadline);
    http::response_parser<http::string_body> parser;
    parser.body_limit(max_body);
    error_code ec;
    if (conn.plain) {
      std::tie(ec, std::ignore) = co_await http::async_write(*conn.plain, message, use_tuple);
      if (!ec)
        std::tie(ec, std::ignore) =
            co_await http::async_read(*conn.plain, conn.buffer, parser, use_tuple);
    } else {
      std::tie(ec, std::ignore) = co_await http::async_write(*conn.secure, message, use_tuple);
      if (!ec)
        std::tie(ec, std::ignore) =
            co_await http::async_read(*conn.secure, conn.buffer, parser, use_tuple);
    }
    if (ec) co_return ec;
    auto& res = parser.get();
    http_response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res)
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    keep_alive = res.keep_alive();
    co_return out;
  }
};

http_client::http_client(asio::any_io_executor executor, std::string user_agent)
    : impl_(std::make_unique<impl>()) {
  impl_->executor = std::move(executor);
  impl_->user_agent = std::move(user_agent);
}

http_client::~http_client() = default;

void http_client::close_idle() {
  impl_->idle.clear();
}

asio::awaitable<boost::system::result<http_response>> http_client::send(const url& base,
                                                                        const tls_options& tls,
                                                                        http_request request) {
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;
  const auto key = pool_key(base, tls);
  const bool idempotent = request.method == "GET" || request.method == "HEAD";

  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = impl_->take_idle(key);
    const bool reused = conn != nullptr;
    if (!conn) {
      boost::system::result<std::unique_ptr<connection>> made{error_code{}};
      try {
        made = co_await impl_->connect(base, tls, deadline);
      } catch (const std::exception&) {
        co_return error_code(asio::ssl::error::unspecified_system_error,
                             asio::error::get_ssl_category());
      }
      if (!made) co_return made.error();
      conn = std::move(*made);
    }
    bool keep_alive = false;
    auto result = co_await impl_->exchange(*conn, base, request, deadline, keep_alive);
    if (!result) {
      const auto ec = result.error();
      const bool stale = ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                         ec == asio::error::eof || ec == asio::error::broken_pipe;
      if (reused && stale && idempotent && attempt == 0) continue;
      co_return ec;
    }
    if (keep_alive) {
      conn->idle_since = std::chrono::steady_clock::now();
      conn->lowest().expires_never();
      auto& list = impl_->idle[key];
      // The oldest go first: past the cap, or idle too long to be reused anyway.
      while (!list.empty() && (list.size() >= max_idle_per_origin ||
                               conn->idle_since - list.front()->idle_since >= max_idle))
        list.erase(list.begin());
      list.push_back(std::move(conn));
    }
    co_return result;
  }
  co_return error_code(asio::error::connection_aborted);
}

}  // namespace wagbot::net
