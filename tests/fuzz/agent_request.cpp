// Fuzzes structured requests from agents (core::parse_agent_requests on a message body with
// ```wagmios blocks, core::parse_agent_json on a custom event's content): each request must
// become either a valid action of the real grammar or an error code, and its result block must
// render.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "wagbot/core/agent_request.hpp"

using namespace wagbot;

namespace {
void check(const core::grammar& g, const std::vector<core::agent_request>& requests) {
  for (const auto& r : requests) {
    WAGBOT_FUZZ_CHECK(r.act.has_value() != (r.error_code != core::reply_code::none));
    if (r.act) WAGBOT_FUZZ_CHECK(g.find(r.act->command) != nullptr);
    core::chat_reply reply;
    reply.text(r.act ? "done" : r.error_message);
    const auto result = core::result_of(r.id, reply);
    WAGBOT_FUZZ_CHECK(!core::result_block(result).empty());
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::text_of(data, size);
  const auto& g = fuzz::real_grammar();

  if (core::has_agent_block(text)) check(g, core::parse_agent_requests(text, g));
  // The same bytes as an org.wagmios.request event's content (any JSON a room member sends).
  const auto content = nlohmann::json::parse(text, nullptr, false);
  if (!content.is_discarded()) check(g, core::parse_agent_json(content, g));
  return 0;
}
