#pragma once
// Background work a transport starts and waits for before it stops (status().idle).
#include <cstddef>
#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace wagbot::net {

/// Runs `work` on `executor`, counted in `under_way` until it ends. An exception it ends with
/// is given to `failed` as its message; nothing else sees it.
void spawn_counted(boost::asio::any_io_executor executor, boost::asio::awaitable<void> work,
                   std::size_t& under_way, std::function<void(const char* why)> failed);

}  // namespace wagbot::net
