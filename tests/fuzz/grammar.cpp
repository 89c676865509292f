// Fuzzes the text command grammar (core::grammar, core::tokenize) with the real command specs:
// any line a user types after the prefix. The dispatcher and `explain` dereference the spec of
// a parsed action, so a parsed action must name a known command and satisfy its spec.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"

using namespace wagbot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto line = fuzz::text_of(data, size);
  const auto& g = fuzz::real_grammar();

  for (const auto& t : core::tokenize(line)) WAGBOT_FUZZ_CHECK(t.offset < line.size());

  auto parsed = g.parse(line);
  if (!parsed) {
    WAGBOT_FUZZ_CHECK(!parsed.error().message.empty());
    // `command` names the spec the line was checked against, or a group such as `key`.
    if (const auto& name = parsed.error().command; !name.empty()) {
      bool known = g.find(name) != nullptr;
      for (const auto& s : g.specs()) known = known || s.name.rfind(name + " ", 0) == 0;
      WAGBOT_FUZZ_CHECK(known);
    }
    return 0;
  }
  const auto& act = *parsed;
  const auto* spec = g.find(act.command);
  WAGBOT_FUZZ_CHECK(spec != nullptr);
  WAGBOT_FUZZ_CHECK(spec->name == act.command);
  std::size_t required = 0;
  for (const auto& a : spec->args) required += a.required ? 1 : 0;
  WAGBOT_FUZZ_CHECK(act.args.size() >= required);
  const bool variadic = !spec->args.empty() && spec->args.back().variadic;
  if (!variadic) WAGBOT_FUZZ_CHECK(act.args.size() <= spec->args.size());
  if (!spec->uses_host) WAGBOT_FUZZ_CHECK(act.host.empty());
  if (act.host == "all") WAGBOT_FUZZ_CHECK(spec->fans_out);
  for (const auto& [name, value] : act.options) {
    bool known = false;
    for (const auto& o : spec->options) known = known || o.name == name;
    WAGBOT_FUZZ_CHECK(known);
  }

  // "Did you mean": at most three names, each a real command's first word.
  const auto words = core::tokenize(line);
  if (!words.empty())
    for (const auto& name : g.suggest(words.front().text)) {
      bool known = false;
      for (const auto& s : g.specs()) known = known || s.name.rfind(name, 0) == 0;
      WAGBOT_FUZZ_CHECK(known);
    }
  return 0;
}
