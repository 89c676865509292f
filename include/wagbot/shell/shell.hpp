#pragma once
// The terminal transport (`wagbot shell`): each input line is a chat line from one configured
// user, answered in order; like Hubot's shell adapter.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "wagbot/core/conversation.hpp"
#include "wagbot/core/log.hpp"
#include "wagbot/core/transport.hpp"

namespace wagbot::shell {

struct options {
  std::string sender;   ///< the user's shell id (users[].shell in the config)
  bool prompt = false;  ///< print "wagbot> " before each line (when stdin is a terminal)
  bool echo = false;    ///< print each input line as "<user>> line" (transcripts, the demo)
  /// Line editing and history (line_editor.hpp): the input is this process's terminal, read
  /// in raw mode from file descriptor 0 instead of the istream.
  bool edit = false;
};

class terminal final : public core::chat_transport {
 public:
  terminal(boost::asio::any_io_executor executor, core::conversation& talk, std::istream& in,
           std::ostream& out, options opts, core::logger log);
  ~terminal() override;

  std::string network() const override { return "shell"; }
  /// Answers lines until end of input or `quit`; 0 then, 1 when serving failed.
  boost::asio::awaitable<int> run() override;
  void stop() override;
  core::transport_status status() const override { return {true, !busy_, 0, 0, 0}; }
  /// Prints an alert (the shell has no rooms; actions are typed as commands).
  void post(const std::string& room, core::chat_reply reply,
            std::vector<core::alert_action> actions) override;
  /// Prints how a confirmation ended (it expired: its yes was never typed).
  void update(const core::message_ref& where, core::chat_reply reply) override;

 private:
  struct reader;  ///< the blocking line reader's thread and the lines it handed over

  boost::asio::awaitable<void> answer(std::string line);

  boost::asio::any_io_executor executor_;
  core::conversation& talk_;
  std::istream& in_;
  std::ostream& out_;
  options opts_;
  core::logger log_;
  std::unique_ptr<reader> reader_;
  bool busy_ = false;
};

}  // namespace wagbot::shell
