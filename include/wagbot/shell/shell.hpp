#pragma once
// The terminal transport: chat with the bot as a configured local user, like Hubot's shell
// adapter. Lines come from stdin (a terminal or a pipe), replies go to stdout as plain text.
#include <iosfwd>
#include <string>

#include <boost/asio/io_context.hpp>

#include "wagbot/app/dispatcher.hpp"

namespace wagbot::shell {

struct options {
  std::string sender;        ///< the user's shell id (users[].shell in the config)
  bool prompt = false;       ///< print "wagbot> " before each line (when stdin is a terminal)
  bool echo = false;         ///< print each input line as "<user>> line" (transcripts, the demo)
};

/// Reads lines until end of input, answering each in order; returns the process exit code.
int run(boost::asio::io_context& io, app::dispatcher& dispatch, std::istream& in,
        std::ostream& out, const options& opts);

}  // namespace wagbot::shell
