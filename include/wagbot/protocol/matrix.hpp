#pragma once
// Matrix Client-Server payloads a bot needs: /sync, room events, relations, errors.
// See shared/reference/matrix.md.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wagbot/protocol/error.hpp"

namespace wagbot::protocol::matrix {

using json = nlohmann::json;

/// Builds the error of a Matrix error body ({errcode, error}): `code` is the errcode, `kind`
/// follows it (M_LIMIT_EXCEEDED, M_UNKNOWN_TOKEN) or the status. `retry_after_header` is the
/// Retry-After value in seconds; a wait the server asks for is capped at max_retry_after_ms.
wagbot::error parse_error(int http_status, const std::string& body,
                          const std::string& retry_after_header);
constexpr std::int64_t max_retry_after_ms = 3'600'000;

/// The string at `key` of a JSON object; "" when absent, not a string, or not an object.
/// Event content is written by any member of a room: read its fields with this (or
/// bool_at), never with json::value(), which throws on an unexpected type.
std::string string_at(const json& object, const char* key);
/// The boolean at `key`; `fallback` when absent or not a boolean.
bool bool_at(const json& object, const char* key, bool fallback = false);

struct event {
  std::string event_id, type, sender, room_id;
  std::int64_t origin_server_ts = 0;
  json content = json::object();
  std::optional<std::string> state_key;
  json unsigned_data = json::object();
};
/// Moves what an event holds out of `j` (a parsed /sync body or journal entry, thrown away
/// afterwards).
event take_event(json& j);

struct joined_room {
  std::string room_id;
  std::vector<event> state;  ///< state before the timeline
  std::vector<event> timeline;
  bool limited = false;
};

struct invited_room {
  std::string room_id;
  std::vector<event> invite_state;  ///< stripped state: the inviter's member event, name, …
};

struct sync_response {
  std::string next_batch;
  std::vector<joined_room> joined;
  std::vector<invited_room> invited;
  std::vector<std::string> left;
  json direct = json();  ///< m.direct account data when it changed
  // What end-to-end encryption needs, fed to the crypto machine before room events.
  json to_device = json::array();             ///< to_device.events
  json device_lists = json::object();         ///< {changed, left}
  json one_time_keys_count = json::object();  ///< device_one_time_keys_count
  json unused_fallback_key_types = json();    ///< device_unused_fallback_key_types
};

/// Parses a /sync body; throws json::exception on a body that is not one. The events' content
/// is moved out of `body`, not copied.
sync_response parse_sync(json&& body);

/// The timeline events of a joined room that were sent while `user` was in it, in order: what
/// came before its join is history, not meant for it. Each event's unsigned.membership (Matrix
/// 1.11: the user's membership when it was sent) decides; on a server that does not send it,
/// the user's own join does: what follows it in the timeline, or, when the join is in `state`
/// (a sync filter that leaves the user's own events out of the timeline), what is not older.
std::vector<const event*> sent_while_joined(const joined_room& room, std::string_view user);

/// True when a batch holds room events from `user` alone (or none at all) and nothing else a
/// client acts on: no invite, no leave, no m.direct, no to-device message, no device change.
bool only_own_events(const sync_response& batch, std::string_view user);

/// The relation of a message: reply target, thread root, annotation key, replacement.
struct relation {
  std::string rel_type;     ///< m.thread, m.annotation, m.replace or ""
  std::string event_id;     ///< the target of rel_type
  std::string key;          ///< m.annotation's key
  std::string in_reply_to;  ///< m.in_reply_to.event_id
};
relation relation_of(const json& content);

/// The body without the "> " quoted fallback of a reply.
std::string strip_reply_fallback(const std::string& body);

/// A message's user mentions (m.mentions.user_ids).
std::vector<std::string> mentioned_users(const json& content);

}  // namespace wagbot::protocol::matrix
