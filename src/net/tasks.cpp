#include "wagbot/net/tasks.hpp"

#include <exception>

#include <boost/asio/co_spawn.hpp>

namespace wagbot::net {

void spawn_counted(boost::asio::any_io_executor executor, boost::asio::awaitable<void> work,
                   std::size_t& under_way, std::function<void(const char* why)> failed) {
  ++under_way;
  boost::asio::co_spawn(std::move(executor), std::move(work),
                        [&under_way, failed = std::move(failed)](std::exception_ptr e) {
                          --under_way;
                          if (!e) return;
                          try {
                            std::rethrow_exception(e);
                          } catch (const std::exception& ex) {
                            failed(ex.what());
                          }
                        });
}

}  // namespace wagbot::net
