#pragma once
// The bot as a transport sees it: lines, agent requests, parsed commands and choices go in,
// replies come out. Transports only translate their traffic into these calls; who may do
// what, and every confirmation's life, is decided behind this interface (app/conversation).
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "wagbot/core/action.hpp"
#include "wagbot/core/chat_event.hpp"
#include "wagbot/core/command_spec.hpp"
#include "wagbot/core/grammar.hpp"
#include "wagbot/core/reply.hpp"
#include "wagbot/core/transport.hpp"

namespace wagbot::core {

class conversation {
 public:
  virtual ~conversation() = default;

  /// The configured wagbot user behind an event's sender, if any.
  virtual std::optional<std::string> user_of(const chat_event& ev) const = 0;
  /// A line written to the bot (its text already stripped of prefix or mention).
  virtual boost::asio::awaitable<chat_reply> handle(chat_event ev) = 0;
  /// An agent's structured request (the content of a custom event).
  virtual boost::asio::awaitable<chat_reply> handle_agent(chat_event ev,
                                                          nlohmann::json content) = 0;
  /// A command the network parsed already (a slash command).
  virtual boost::asio::awaitable<chat_reply> run(chat_event ev, action act) = 0;

  /// A yes (accept) or no picked on the prompt `prompt` (a reaction, a click). Nothing when
  /// that message is no prompt. A private answer is for the actor's eyes only: a network that
  /// cannot whisper drops it.
  virtual boost::asio::awaitable<std::optional<chat_reply>> choose(chat_event actor,
                                                                   message_ref prompt,
                                                                   bool accept) = 0;
  /// The same, for a choice that names its confirmation (a button's id).
  virtual boost::asio::awaitable<chat_reply> choose_id(chat_event actor, std::string id,
                                                       bool accept) = 0;
  /// Why that choice would not run (no such confirmation, not the actor's, already over), at
  /// once and without I/O, so that a network can answer it before it acknowledges the choice.
  virtual std::optional<chat_reply> refusal(const chat_event& actor, const std::string& id,
                                            bool accept) = 0;
  /// The transport posted the prompt of confirmation `id` at `where`.
  virtual void prompt_sent(const std::string& id, const message_ref& where) = 0;
  /// After a crash: a choice on `prompt` was being run when wagbot stopped. Its confirmation
  /// is used up (never run twice); its prompt is updated and the notice for the room returned.
  virtual std::optional<chat_reply> interrupted_choice(const chat_event& actor,
                                                       const message_ref& prompt) = 0;
  /// The same, for a choice that named its confirmation.
  virtual std::optional<chat_reply> interrupted_choice_id(const chat_event& actor,
                                                          const std::string& id) = 0;

  /// Values to offer for an argument of `kind`, from the actor's own key for `host` (or their
  /// default host).
  virtual boost::asio::awaitable<std::vector<std::string>> complete(chat_event ev, value_kind kind,
                                                                    std::string host) = 0;
  /// The ids on `network` of these wagbot users (mentions), first id of each.
  virtual std::vector<std::string> ids_on(const std::string& network,
                                          const std::vector<std::string>& users) const = 0;
  /// The commands, for slash-command registration and parsing.
  virtual const grammar& commands() const = 0;
};

}  // namespace wagbot::core
