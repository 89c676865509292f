#include "fake_http.hpp"

#include <mutex>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace wagbot::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct fake_http::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  handler on_request;
  mutable std::mutex mutex;
  std::vector<seen_request> seen;
  std::uint16_t port = 0;
  std::thread thread;

  /// Serves every connection until the io_context stops.
  asio::awaitable<void> accept_all();
};

namespace {

std::string header_of(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string{} : std::string(it->value());
}

asio::awaitable<void> serve(fake_http::handler& on_request, std::mutex& mutex,
                            std::vector<seen_request>& seen, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    auto [read_error, read] =
        co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
    if (read_error) break;
    seen_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    r.path = r.target.substr(0, r.target.find('?'));
    r.authorization = header_of(req, "Authorization");
    r.api_key = header_of(req, "X-API-Key");
    r.body = req.body();
    {
      std::lock_guard lock(mutex);
      seen.push_back(r);
    }
    const canned answer = on_request(r);
    if (answer.delay.count() > 0) {
      asio::steady_timer pause(stream.get_executor(), answer.delay);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    http::response<http::string_body> res;
    res.version(req.version());
    res.result(static_cast<unsigned>(answer.status));
    res.set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) res.set(name, value);
    res.body() = answer.body;
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [write_error, written] =
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (write_error || !res.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

asio::awaitable<void> fake_http::impl::accept_all() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    asio::co_spawn(io, serve(on_request, mutex, seen, std::move(socket)), asio::detached);
  }
}

fake_http::fake_http(handler on_request) : impl_(std::make_unique<impl>()) {
  impl_->on_request = std::move(on_request);
  const tcp::endpoint where(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(where.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(where);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_all(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

fake_http::~fake_http() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string fake_http::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<seen_request> fake_http::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

void fake_http::forget() {
  std::lock_guard lock(impl_->mutex);
  impl_->seen.clear();
}

}  // namespace wagbot::test
