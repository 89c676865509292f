#pragma once
// The short names the net/ sources use for Asio and Beast, and the name lookup with a deadline
// the HTTP client and the WebSocket share (this folder's own header).
#include <chrono>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>

namespace wagbot::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

/// Completion token that returns (error_code, result…) instead of throwing.
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// The addresses of `host`:`port`; beast::error::timeout when `deadline` comes first.
asio::awaitable<std::pair<error_code, tcp::resolver::results_type>> resolve(
    asio::any_io_executor executor, const std::string& host, std::uint16_t port,
    std::chrono::steady_clock::time_point deadline);

}  // namespace wagbot::net
