#include "wagbot/protocol/matrix.hpp"

#include <cstdlib>

namespace wagbot::protocol::matrix {

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

bool bool_at(const json& object, const char* key, bool fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

namespace {
/// A wait in milliseconds from a number of seconds or milliseconds as sent: NaN, infinities and
/// negatives are no wait, and anything longer than max_retry_after_ms is capped (converting an
/// out-of-range double to an integer is undefined).
std::int64_t capped_ms(double ms) {
  if (!(ms > 0)) return 0;
  return ms >= double(max_retry_after_ms) ? max_retry_after_ms : static_cast<std::int64_t>(ms);
}
}  // namespace

wagbot::error parse_error(int http_status, const std::string& body,
                          const std::string& retry_after_header) {
  wagbot::error e;
  e.http_status = http_status;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object()) {
    e.code = string_at(doc, "errcode");
    e.message = string_at(doc, "error");
    if (auto it = doc.find("retry_after_ms"); it != doc.end() && it->is_number())
      e.retry_after_ms = capped_ms(it->get<double>());
    e.soft_logout = bool_at(doc, "soft_logout");
  }
  // The errcode says more than the status: a 401 M_LIMIT_EXCEEDED is a rate limit (and, by its
  // status, a bad token too: both helpers answer yes).
  if (e.code == "M_LIMIT_EXCEEDED")
    e.kind = errc::rate_limited;
  else if (e.code == "M_UNKNOWN_TOKEN")
    e.kind = errc::unauthorized;
  else
    e.kind = kind_of_status(http_status);
  if (e.message.empty()) e.message = "HTTP " + std::to_string(http_status);
  if (e.retry_after_ms == 0 && !retry_after_header.empty())
    e.retry_after_ms = capped_ms(std::atof(retry_after_header.c_str()) * 1000);
  return e;
}

event take_event(json& j) {
  event e;
  e.event_id = string_at(j, "event_id");
  e.type = string_at(j, "type");
  e.sender = string_at(j, "sender");
  e.room_id = string_at(j, "room_id");
  if (auto it = j.find("origin_server_ts"); it != j.end() && it->is_number_integer())
    e.origin_server_ts = it->get<std::int64_t>();
  if (auto it = j.find("content"); it != j.end() && it->is_object()) e.content = std::move(*it);
  if (auto it = j.find("state_key"); it != j.end() && it->is_string())
    e.state_key = std::move(it->get_ref<std::string&>());
  if (auto it = j.find("unsigned"); it != j.end() && it->is_object())
    e.unsigned_data = std::move(*it);
  return e;
}

namespace {
std::vector<event> events_at(json& parent, const char* key, const std::string& room_id) {
  std::vector<event> out;
  auto it = parent.find(key);
  if (it == parent.end() || !it->is_object()) return out;
  auto list = it->find("events");
  if (list == it->end() || !list->is_array()) return out;
  out.reserve(list->size());
  for (auto& raw : *list) {
    if (!raw.is_object()) continue;
    auto e = take_event(raw);
    if (e.room_id.empty()) e.room_id = room_id;
    out.push_back(std::move(e));
  }
  return out;
}

bool empty_list_at(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || !it->is_array() || it->empty();
}
}  // namespace

sync_response parse_sync(json&& body) {
  sync_response out;
  out.next_batch = body.at("next_batch").get<std::string>();
  if (auto rooms = body.find("rooms"); rooms != body.end() && rooms->is_object()) {
    if (auto join = rooms->find("join"); join != rooms->end() && join->is_object()) {
      out.joined.reserve(join->size());
      for (auto it = join->begin(); it != join->end(); ++it) {
        joined_room r;
        r.room_id = it.key();
        r.state = events_at(*it, "state", r.room_id);
        r.timeline = events_at(*it, "timeline", r.room_id);
        if (auto t = it->find("timeline"); t != it->end()) r.limited = bool_at(*t, "limited");
        out.joined.push_back(std::move(r));
      }
    }
    if (auto invite = rooms->find("invite"); invite != rooms->end() && invite->is_object())
      for (auto it = invite->begin(); it != invite->end(); ++it)
        out.invited.push_back({it.key(), events_at(*it, "invite_state", it.key())});
    if (auto leave = rooms->find("leave"); leave != rooms->end() && leave->is_object())
      for (auto it = leave->begin(); it != leave->end(); ++it) out.left.push_back(it.key());
  }
  if (auto data = body.find("account_data"); data != body.end() && data->is_object())
    if (auto list = data->find("events"); list != data->end() && list->is_array())
      for (auto& e : *list)
        if (string_at(e, "type") == "m.direct") {
          auto content = e.find("content");
          out.direct = content != e.end() ? std::move(*content) : json::object();
        }
  if (auto td = body.find("to_device"); td != body.end() && td->is_object())
    if (auto list = td->find("events"); list != td->end() && list->is_array())
      out.to_device = std::move(*list);
  if (auto d = body.find("device_lists"); d != body.end() && d->is_object())
    out.device_lists = std::move(*d);
  if (auto n = body.find("device_one_time_keys_count"); n != body.end() && n->is_object())
    out.one_time_keys_count = std::move(*n);
  if (auto f = body.find("device_unused_fallback_key_types"); f != body.end() && f->is_array())
    out.unused_fallback_key_types = std::move(*f);
  return out;
}

namespace {
bool own_join(const event& e, std::string_view user) {
  return e.type == "m.room.member" && e.state_key && *e.state_key == user &&
         string_at(e.content, "membership") == "join";
}
}  // namespace

std::vector<const event*> sent_while_joined(const joined_room& room, std::string_view user) {
  std::size_t first = 0;
  for (std::size_t k = 0; k < room.timeline.size(); ++k)
    if (own_join(room.timeline[k], user)) first = k + 1;
  std::optional<std::int64_t> joined_at;
  if (first == 0)
    for (const auto& e : room.state)
      if (own_join(e, user)) joined_at = e.origin_server_ts;
  std::vector<const event*> out;
  for (std::size_t k = first; k < room.timeline.size(); ++k) {
    const auto& e = room.timeline[k];
    const auto membership = string_at(e.unsigned_data, "membership");
    if (!membership.empty() ? membership != "join" : joined_at && e.origin_server_ts < *joined_at)
      continue;
    out.push_back(&e);
  }
  return out;
}

bool only_own_events(const sync_response& batch, std::string_view user) {
  if (!batch.invited.empty() || !batch.left.empty() || !batch.direct.is_null() ||
      !batch.to_device.empty() || !empty_list_at(batch.device_lists, "changed") ||
      !empty_list_at(batch.device_lists, "left"))
    return false;
  for (const auto& room : batch.joined)
    for (const auto* list : {&room.state, &room.timeline})
      for (const auto& e : *list)
        if (e.sender != user) return false;
  return true;
}

relation relation_of(const json& content) {
  relation r;
  auto it = content.find("m.relates_to");
  if (it == content.end() || !it->is_object()) return r;
  r.rel_type = string_at(*it, "rel_type");
  r.event_id = string_at(*it, "event_id");
  r.key = string_at(*it, "key");
  if (auto reply = it->find("m.in_reply_to"); reply != it->end())
    r.in_reply_to = string_at(*reply, "event_id");
  return r;
}

std::string strip_reply_fallback(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  bool in_fallback = true;
  while (pos <= body.size()) {
    auto end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(pos, end - pos);
    if (in_fallback && (line.rfind("> ", 0) == 0 || line == ">")) {
      // quoted fallback line
    } else if (in_fallback && line.empty() && pos != 0) {
      in_fallback = false;  // the blank line after the quote
    } else {
      in_fallback = false;
      if (!out.empty()) out += "\n";
      out += line;
    }
    pos = end + 1;
  }
  return out;
}

std::vector<std::string> mentioned_users(const json& content) {
  std::vector<std::string> out;
  auto it = content.find("m.mentions");
  if (it == content.end() || !it->is_object()) return out;
  auto ids = it->find("user_ids");
  if (ids == it->end() || !ids->is_array()) return out;
  for (const auto& u : *ids)
    if (u.is_string()) out.push_back(u.get<std::string>());
  return out;
}

}  // namespace wagbot::protocol::matrix
