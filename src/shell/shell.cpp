#include "wagbot/shell/shell.hpp"

#include "wagbot/core/redact.hpp"

#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wagbot::shell {

namespace asio = boost::asio;

namespace {

/// Lines handed from the blocking reader thread to the io thread.
struct inbox {
  std::mutex lock;
  std::deque<std::string> lines;
  bool closed = false;
};

void print(std::ostream& out, const core::chat_reply& reply) {
  out << reply.plain() << "\n" << std::flush;
}

asio::awaitable<void> sweep_expired(app::dispatcher& dispatch, std::ostream& out, bool& stop) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!stop) {
    for (const auto& c : dispatch.expire_due())
      print(out, core::say(core::tone::warning, "Confirmation `" + c.id + "` expired: " + c.summary +
                                                    " was not done."));
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<void> serve(app::dispatcher& dispatch, inbox& box, asio::steady_timer& wake,
                            std::ostream& out, const options& opts, bool& stop) {
  for (;;) {
    std::optional<std::string> line;
    bool closed = false;
    {
      std::lock_guard guard(box.lock);
      if (!box.lines.empty()) {
        line = std::move(box.lines.front());
        box.lines.pop_front();
      }
      closed = box.closed;
    }
    if (!line) {
      if (closed) break;
      wake.expires_at(asio::steady_timer::time_point::max());
      co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    auto text = *line;
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
    if (text.empty() || text[0] == '#') {
      if (opts.prompt) out << "wagbot> " << std::flush;
      continue;
    }
    if (text == "quit" || text == "exit") break;
    if (opts.echo) out << "\n" << opts.sender << "> " << core::redact(text) << "\n";
    core::chat_event ev{"shell", "local", opts.sender, text, true, {}};
    try {
      print(out, co_await dispatch.handle(ev));
    } catch (const std::exception& e) {
      dispatch.eng().log().error("command failed: {}", e.what());
      print(out, core::error_reply("Something went wrong inside wagbot; the command may not have run. "
                                   "Details are in the log."));
    }
    if (opts.prompt) out << "wagbot> " << std::flush;
  }
  stop = true;
}

}  // namespace

int run(asio::io_context& io, app::dispatcher& dispatch, std::istream& in, std::ostream& out,
        const options& opts) {
  inbox box;
  asio::steady_timer wake(io);
  bool stop = false;
  if (opts.prompt) out << "wagbot> " << std::flush;

  // std::getline blocks; it gets a thread of its own so timers keep running meanwhile.
  std::thread reader([&] {
    std::string line;
    while (std::getline(in, line)) {
      {
        std::lock_guard guard(box.lock);
        box.lines.push_back(line);
      }
      asio::post(io, [&] { wake.cancel(); });
    }
    {
      std::lock_guard guard(box.lock);
      box.closed = true;
    }
    asio::post(io, [&] { wake.cancel(); });
  });

  int code = 0;
  asio::co_spawn(io, sweep_expired(dispatch, out, stop), asio::detached);
  asio::co_spawn(io, serve(dispatch, box, wake, out, opts, stop), [&](std::exception_ptr e) {
    if (e) code = 1;
    io.stop();
  });
  io.run();
  // A reader still blocked on a terminal cannot be interrupted portably; detach it on quit.
  {
    std::lock_guard guard(box.lock);
    if (box.closed) {
      reader.join();
    } else {
      reader.detach();
    }
  }
  return code;
}

}  // namespace wagbot::shell
