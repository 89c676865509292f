// Fuzzes how a chat line is read (core::read_line): the grammar, then deterministic natural
// language (core::understand) with host descriptions, as the dispatcher does for every line.
// Whatever a sentence becomes must be something the dispatcher can run or say: exactly one of
// a command, a plan or an error, and every planned action a command of the real grammar.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "wagbot/core/intents.hpp"

using namespace wagbot;

namespace {
std::vector<core::host_words> hosts() {
  return {{"nas", {"the nas", "nas", "storage box"}},
          {"media", {"media server", "the media box", "plex machine"}},
          {"pi", {}}};
}

void check_action(const core::grammar& g, const core::action& act) {
  const auto* spec = g.find(act.command);
  WAGBOT_FUZZ_CHECK(spec != nullptr);  // `explain` and the dispatcher dereference it
  if (act.host == "all") WAGBOT_FUZZ_CHECK(spec->fans_out);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::text_of(data, size);
  const auto& g = fuzz::real_grammar();

  const auto r = core::read_line(text, hosts, g);
  const int outcomes =
      int(r.command.has_value()) + int(r.plan.has_value()) + int(r.error.has_value());
  WAGBOT_FUZZ_CHECK(outcomes == 1);
  if (r.command) check_action(g, *r.command);
  if (r.plan) {
    if (!r.plan->question.empty()) WAGBOT_FUZZ_CHECK(r.plan->actions.empty());
    for (const auto& act : r.plan->actions) check_action(g, act);
  }
  if (r.error) WAGBOT_FUZZ_CHECK(!r.error->message.empty());

  // The sentence reader on its own, with no hosts known (a user without keys).
  if (auto u = core::understand(text, {}, g))
    for (const auto& act : u->actions) check_action(g, act);
  return 0;
}
