#include "wagbot/shell/shell.hpp"

#include <deque>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include <termios.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wagbot/core/redact.hpp"
#include "wagbot/shell/line_editor.hpp"

namespace wagbot::shell {

namespace asio = boost::asio;

/// std::getline blocks: it gets a thread of its own, so that timers keep running meanwhile.
struct terminal::reader {
  std::mutex lock;
  std::deque<std::string> lines;
  bool closed = false;
  bool stopped = false;  ///< stop() was called: no more lines are taken
  asio::steady_timer wake;
  std::thread thread;

  termios saved{};   ///< the terminal's settings before raw mode
  bool raw = false;  ///< raw mode is on: restore() undoes it

  explicit reader(asio::any_io_executor ex) : wake(ex) {}

  void start(std::istream& in) {
    thread = std::thread([this, &in] {
      std::string line;
      while (std::getline(in, line)) hand_over(std::move(line));
      close();
    });
  }

  /// Reads the terminal in raw mode, a key at a time, through the line editor.
  void start_editing(std::ostream& out) {
    // Raw mode before the first prompt, keeping what was typed ahead (TCSANOW, not FLUSH).
    if (::tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios keys = saved;
      keys.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO | ISIG | IEXTEN));
      keys.c_iflag &= static_cast<tcflag_t>(~(IXON | ICRNL));
      keys.c_cc[VMIN] = 1;
      keys.c_cc[VTIME] = 0;
      raw = ::tcsetattr(STDIN_FILENO, TCSANOW, &keys) == 0;
    }
    thread = std::thread([this, &out] {
      line_editor editor;
      char byte = 0;
      while (::read(STDIN_FILENO, &byte, 1) == 1) {
        const auto what = editor.feed(byte);
        if (what == line_editor::outcome::end_of_input) break;
        if (what == line_editor::outcome::done) {
          out << "\r\n" << std::flush;
          hand_over(editor.take());
          continue;
        }
        if (what == line_editor::outcome::interrupted) out << "^C\r\n";
        out << editor.redraw("wagbot> ") << std::flush;
      }
      restore();
      out << "\n" << std::flush;
      close();
    });
  }

  /// The terminal as it was before raw mode (once).
  void restore() {
    std::lock_guard guard(lock);
    if (raw) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    raw = false;
  }

  void hand_over(std::string line) {
    std::lock_guard guard(lock);
    lines.push_back(std::move(line));
    asio::post(wake.get_executor(), [this] { wake.cancel(); });
  }

  void close() {
    std::lock_guard guard(lock);
    closed = true;
    asio::post(wake.get_executor(), [this] { wake.cancel(); });
  }

  /// The next line; nothing once the input ended.
  asio::awaitable<std::optional<std::string>> next() {
    for (;;) {
      {
        std::lock_guard guard(lock);
        if (!lines.empty()) {
          auto line = std::move(lines.front());
          lines.pop_front();
          co_return line;
        }
        if (closed || stopped) co_return std::nullopt;
      }
      wake.expires_at(asio::steady_timer::time_point::max());
      co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  ~reader() {
    restore();  // never leave the terminal raw, however the shell ends
    // A reader still blocked on a terminal cannot be interrupted portably: it is let go (the
    // process is ending).
    if (!thread.joinable()) return;
    bool done = false;
    {
      std::lock_guard guard(lock);
      done = closed;
    }
    if (done)
      thread.join();
    else
      thread.detach();
  }
};

terminal::terminal(asio::any_io_executor executor, core::conversation& talk, std::istream& in,
                   std::ostream& out, options opts, core::logger log)
    : executor_(std::move(executor)),
      talk_(talk),
      in_(in),
      out_(out),
      opts_(std::move(opts)),
      log_(std::move(log)) {}

terminal::~terminal() = default;

void terminal::stop() {
  if (!reader_) return;
  {
    std::lock_guard guard(reader_->lock);
    reader_->stopped = true;
  }
  reader_->wake.cancel();
}

void terminal::post(const std::string&, core::chat_reply reply, std::vector<core::alert_action>) {
  out_ << reply.plain() << "\n" << std::flush;
}

void terminal::update(const core::message_ref&, core::chat_reply reply) {
  out_ << reply.plain() << "\n" << std::flush;
}

asio::awaitable<void> terminal::answer(std::string text) {
  if (opts_.echo) out_ << "\n" << opts_.sender << "> " << core::redact(text) << "\n";
  busy_ = true;
  // A named event, not a temporary: g++ 12 destroys a temporary passed by value into a
  // coroutine twice.
  core::chat_event ev{"shell", "local", opts_.sender, text, true, {}};
  try {
    auto reply = co_await talk_.handle(ev);
    out_ << reply.plain() << "\n" << std::flush;
  } catch (const std::exception& e) {
    log_.error("command failed: {}", e.what());
    out_ << core::error_reply(
                "Something went wrong inside wagbot; the command may not have run. "
                "Details are in the log.")
                .plain()
         << "\n"
         << std::flush;
  }
  busy_ = false;
}

asio::awaitable<int> terminal::run() {
  reader_ = std::make_unique<reader>(executor_);
  if (opts_.edit)
    reader_->start_editing(out_);
  else
    reader_->start(in_);
  if (opts_.prompt) out_ << "wagbot> " << std::flush;
  while (auto line = co_await reader_->next()) {
    auto text = *line;
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
    if (text == "quit" || text == "exit") break;
    if (!text.empty() && text[0] != '#') co_await answer(std::move(text));
    if (opts_.prompt) out_ << "wagbot> " << std::flush;
  }
  co_return 0;
}

}  // namespace wagbot::shell
