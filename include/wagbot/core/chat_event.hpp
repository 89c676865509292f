#pragma once
// What a transport hands the dispatcher: one line someone wrote to the bot.
#include <string>

namespace wagbot::core {

struct chat_event {
  std::string network;   ///< "shell", "matrix", "discord"
  std::string room;      ///< room / channel id; "local" for the shell
  std::string sender;    ///< the sender's id on that network
  std::string text;      ///< the command text, prefix or mention already removed
  bool direct = false;   ///< a one-to-one chat with the bot
  std::string event_id;  ///< the network's id of the message, when it has one
};

}  // namespace wagbot::core
