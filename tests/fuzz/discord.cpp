// Fuzzes what the Discord gateway sends: a text frame (protocol::discord::parse_gateway), then
// its `d` decoded as READY, MESSAGE_CREATE and INTERACTION_CREATE whatever `t` says (more
// reach; decoding may throw json::exception, which the gateway catches and logs). An
// interaction goes the way the bot takes it: the slash command is found in the real grammar
// (discord::find_invoked), turned into a text line (to_command_line) and parsed by the grammar;
// a component's custom id is read as a confirmation button. The same bytes are also fed to the
// zlib-stream inflater as two frames (compressed gateways send binary frames).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "wagbot/discord/render.hpp"
#include "wagbot/discord/slash.hpp"
#include "wagbot/discord/zlib_stream.hpp"
#include "wagbot/protocol/discord.hpp"

using namespace wagbot;
namespace pd = protocol::discord;

namespace {

void take_interaction(const pd::interaction& i) {
  const auto& g = fuzz::real_grammar();
  const auto call = discord::find_invoked(i, g);
  if (call.spec) {
    const auto line = discord::to_command_line(call);
    WAGBOT_FUZZ_CHECK(line.rfind(call.spec->name, 0) == 0);
    (void)g.parse(line);
  }
  if (auto button = discord::parse_button(i.custom_id)) WAGBOT_FUZZ_CHECK(!button->first.empty());
}

/// Whatever the bytes, the inflater answers with a payload within its limit or an error.
void take_compressed(const std::string& bytes) {
  constexpr std::size_t limit = 1 << 20;
  discord::zlib_stream z(limit);
  const auto half = bytes.size() / 2;
  auto first = z.feed(std::string_view(bytes).substr(0, half));
  if (!first.error.empty()) return;
  auto second = z.feed(std::string_view(bytes).substr(half));
  if (first.payload) WAGBOT_FUZZ_CHECK(first.payload->size() <= limit);
  if (second.payload) {
    WAGBOT_FUZZ_CHECK(second.payload->size() <= limit);
    (void)pd::parse_gateway(*second.payload);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(fuzz::text_of(data, size));
  take_compressed(text);
  const auto payload = pd::parse_gateway(text);
  if (!payload) return 0;
  try {
    (void)payload->d.get<pd::ready>();
  } catch (const pd::json::exception&) {
  }
  try {
    (void)payload->d.get<pd::message>();
  } catch (const pd::json::exception&) {
  }
  pd::interaction i;
  try {
    i = payload->d.get<pd::interaction>();
  } catch (const pd::json::exception&) {
    return 0;
  }
  take_interaction(i);
  return 0;
}
