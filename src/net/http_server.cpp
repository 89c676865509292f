#include "wagbot/net/http_server.hpp"

#include "beast_names.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/beast/http.hpp>

namespace wagbot::net {

namespace http = beast::http;

namespace {
constexpr auto io_deadline = std::chrono::seconds(5);
constexpr std::size_t max_connections = 16;
constexpr int max_requests_per_connection = 100;
}  // namespace

struct http_server::impl {
  asio::any_io_executor executor;
  handler on_request;
  tcp::acceptor acceptor;
  std::size_t open = 0;
  bool stopping = false;

  impl(asio::any_io_executor ex, handler h)
      : executor(ex), on_request(std::move(h)), acceptor(ex) {}

  http::response<http::string_body> answer(const http::request<http::string_body>& req) {
    http::response<http::string_body> res;
    res.version(11);
    res.set(http::field::server, "wagbot");
    res.set(http::field::cache_control, "no-store");
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = "only GET and HEAD\n";
    } else {
      auto out = on_request(std::string_view(req.target().data(), req.target().size()));
      res.result(static_cast<http::status>(out.status));
      res.set(http::field::content_type, out.content_type);
      res.body() = std::move(out.body);
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();
    return res;
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer(8192);
    for (int n = 0; n < max_requests_per_connection && !stopping; ++n) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(8192);
      parser.body_limit(1024);
      stream.expires_after(io_deadline);
      auto [rec, read] = co_await http::async_read(stream, buffer, parser, use_tuple);
      (void)read;
      if (rec) break;  // closed, timed out, or not HTTP: nothing to answer
      auto res = answer(parser.get());
      const bool keep = res.keep_alive();
      stream.expires_after(io_deadline);
      auto [wec, written] = co_await http::async_write(stream, res, use_tuple);
      (void)written;
      if (wec || !keep) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }
};

http_server::http_server(asio::any_io_executor executor, handler on_request)
    : impl_(std::make_unique<impl>(executor, std::move(on_request))) {}

http_server::~http_server() = default;

boost::system::result<std::uint16_t> http_server::listen(const std::string& address,
                                                         std::uint16_t port) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return ec;
  const tcp::endpoint where(ip, port);
  auto& a = impl_->acceptor;
  if (a.open(where.protocol(), ec); ec) return ec;
  if (a.set_option(tcp::acceptor::reuse_address(true), ec); ec) return ec;
  if (a.bind(where, ec); ec) return ec;
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec) return ec;
  return a.local_endpoint().port();
}

asio::awaitable<void> http_server::run() {
  auto& self = *impl_;
  while (!self.stopping && self.acceptor.is_open()) {
    auto [ec, socket] = co_await self.acceptor.async_accept(use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || self.stopping) break;
      continue;  // e.g. too many open files: try the next one
    }
    if (self.open >= max_connections) continue;  // the socket closes as it goes out of scope
    ++self.open;
    asio::co_spawn(self.executor, self.serve(std::move(socket)),
                   [&self](std::exception_ptr) { --self.open; });
  }
}

void http_server::stop() {
  impl_->stopping = true;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace wagbot::net
