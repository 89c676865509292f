#include <boost/asio/steady_timer.hpp>

#include "beast_names.hpp"

namespace wagbot::net {

asio::awaitable<std::pair<error_code, tcp::resolver::results_type>> resolve(
    asio::any_io_executor executor, const std::string& host, std::uint16_t port,
    std::chrono::steady_clock::time_point deadline) {
  tcp::resolver resolver(executor);
  asio::steady_timer timer(executor, deadline);
  auto outcome = co_await (resolver.async_resolve(host, std::to_string(port), use_tuple) ||
                           timer.async_wait(use_tuple));
  if (outcome.index() == 1)
    co_return std::pair{error_code(beast::error::timeout), tcp::resolver::results_type{}};
  auto [ec, endpoints] = std::get<0>(std::move(outcome));
  co_return std::pair{ec, std::move(endpoints)};
}

}  // namespace wagbot::net
