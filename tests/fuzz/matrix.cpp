// Fuzzes what a homeserver sends: /sync bodies (protocol::matrix::parse_sync) and error bodies
// with a Retry-After header (parse_error). parse_sync may throw json::exception (the client
// turns it into a failed sync); nothing else may escape. Event content is written by any member
// of a room, so what the bot reads from it outside a try — relations, mentions, the reply
// fallback, agent requests — must take any JSON. The input is the body; a first line of at
// most 40 bytes ending in a newline is also used as the Retry-After header.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "wagbot/core/agent_request.hpp"
#include "wagbot/protocol/matrix.hpp"

using namespace wagbot;
namespace pm = protocol::matrix;

namespace {

void read_event(const pm::event& e) {
  // What the bot reads from each event outside any try (bot::take, on_invite, on_message).
  (void)pm::string_at(e.content, "msgtype");
  (void)pm::string_at(e.content, "membership");
  (void)pm::bool_at(e.content, "is_direct");
  (void)pm::relation_of(e.content);
  (void)pm::mentioned_users(e.content);
  const auto body = pm::string_at(e.content, "body");
  const auto text = pm::strip_reply_fallback(body);
  WAGBOT_FUZZ_CHECK(text.size() <= body.size());
  if (core::has_agent_block(text)) (void)core::parse_agent_requests(text, fuzz::real_grammar());
  if (e.type == "org.wagmios.request")
    (void)core::parse_agent_json(e.content, fuzz::real_grammar());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::text_of(data, size);
  std::string retry_after;
  if (auto nl = input.find('\n'); nl != std::string_view::npos && nl <= 40)
    retry_after = input.substr(0, nl);
  const std::string body(input);

  for (int status : {401, 429, 502}) {
    const auto e = pm::parse_error(status, body, retry_after);
    WAGBOT_FUZZ_CHECK(!e.message.empty());
    WAGBOT_FUZZ_CHECK(e.retry_after_ms >= 0 && e.retry_after_ms <= pm::max_retry_after_ms);
    WAGBOT_FUZZ_CHECK(e.transient() == (status != 401 || e.code == "M_LIMIT_EXCEEDED"));
  }

  auto doc = pm::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return 0;
  pm::sync_response sync;
  try {
    sync = pm::parse_sync(std::move(doc));
  } catch (const pm::json::exception&) {
    return 0;
  }
  for (const auto& room : sync.joined) {
    for (const auto& e : room.state) read_event(e);
    for (const auto& e : room.timeline) {
      WAGBOT_FUZZ_CHECK(!e.room_id.empty() || room.room_id.empty());
      read_event(e);
    }
  }
  for (const auto& room : sync.invited)
    for (const auto& e : room.invite_state) read_event(e);
  return 0;
}
