#pragma once
// Discord API v10 payloads a bot needs: gateway envelopes, READY, interactions, messages, and
// what each gateway close code means. See shared/reference/discord.md.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wagbot::protocol::discord {

using json = nlohmann::json;

/// Gateway opcodes.
enum class op : int {
  dispatch = 0,
  heartbeat = 1,
  identify = 2,
  resume = 6,
  reconnect = 7,
  invalid_session = 9,
  hello = 10,
  heartbeat_ack = 11
};

/// One gateway message `{op, d, s, t}`.
struct gateway_payload {
  int op = -1;
  json d;
  std::optional<std::int64_t> s;
  std::string t;
};
/// nullopt when the text is not a gateway payload.
std::optional<gateway_payload> parse_gateway(const std::string& text);

/// What to do after the gateway closed with `code`.
enum class close_action { resume, new_session, fatal };
close_action classify_close(std::uint16_t code);
/// The reference's meaning of a fatal code, for the error message.
std::string close_meaning(std::uint16_t code);

struct user {
  std::string id, username;
  bool bot = false;
};
void from_json(const json& j, user& u);

struct ready {
  std::string session_id, resume_gateway_url, application_id;
  user me;
};
void from_json(const json& j, ready& r);

/// One option of an application command (nested for subcommands).
struct command_option {
  std::string name;
  int type = 0;
  json value;  ///< null for subcommands
  bool focused = false;
  std::vector<command_option> options;
};

enum class interaction_type { ping = 1, command = 2, component = 3, autocomplete = 4, modal = 5 };

/// Application command types: a slash command, or one from a user's or a message's menu.
enum class command_kind { chat_input = 1, user = 2, message = 3 };

/// A button of a message (found in rows and in Components V2 containers and sections).
struct button_ref {
  std::string label, custom_id;
};

struct interaction {
  std::string id, application_id, token, guild_id, channel_id;
  interaction_type type = interaction_type::ping;
  user invoker;                                  ///< member.user in a guild, user in a DM
  std::string command_name;                      ///< type 2 and 4
  command_kind kind = command_kind::chat_input;  ///< type 2
  std::vector<command_option> options;
  std::string custom_id;            ///< type 3 and 5
  std::vector<std::string> values;  ///< type 3: what a select menu's user picked
  std::string message_id;           ///< type 3: the message the component is on
  /// A message command (type 2, kind message): the message it was used on, its author and
  /// its buttons (from data.resolved.messages).
  std::string target_id, target_author_id;
  std::vector<button_ref> target_buttons;
  std::vector<std::pair<std::string, std::string>>
      fields;  ///< type 5: text inputs (custom_id, value)
};
void from_json(const json& j, interaction& i);

struct message {
  std::string id, channel_id, guild_id, content;
  user author;
  bool mentions_me = false;  ///< filled in by the transport
};
void from_json(const json& j, message& m);

}  // namespace wagbot::protocol::discord
