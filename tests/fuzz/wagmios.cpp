// Fuzzes what a WAGMIOS host sends back. The input is one or more HTTP bodies separated by a
// line "---". Each body goes through the envelope (protocol::parse_envelope, for several HTTP
// statuses, enveloped or raw) and then every typed decoder the client uses, with the client's
// contract: decoders may throw json::exception (the client turns it into "unexpected shape"),
// nothing else may escape. Each body is also an activity-feed frame, which the watcher decodes
// without a try. The decoded containers and events drive the alert logic (core::host_watch)
// in order, 10 s apart, as the watcher would.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "wagbot/core/alerts.hpp"
#include "wagbot/protocol/wagmios.hpp"

using namespace wagbot;
using protocol::json;

namespace {

template <class T>
void decode(const json& data) {
  try {
    (void)data.get<T>();
  } catch (const json::exception&) {
  }
}

template <class T>
std::vector<T> decode_list(const json& data) {
  try {
    return protocol::list_of<T>(data);
  } catch (const json::exception&) {
    return {};
  }
}

std::vector<std::string> split(std::string_view input) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    auto end = input.find("\n---\n", pos);
    if (end == std::string_view::npos) {
      out.emplace_back(input.substr(pos));
      return out;
    }
    out.emplace_back(input.substr(pos, end - pos));
    pos = end + 5;
  }
}

void deliver(std::vector<core::alert> alerts, const core::alert_settings& settings) {
  for (const auto& a : core::group_bursts(std::move(alerts), settings)) {
    const auto reply = core::render_alert(a);
    WAGBOT_FUZZ_CHECK(!reply.plain().empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const core::alert_settings settings{};
  core::host_watch watch("nas", settings);
  std::int64_t t = 1'700'000'000;

  for (const auto& body : split(fuzz::text_of(data, size))) {
    t += 10;
    for (int status : {200, 201, 400, 403, 404, 429, 500, 502})
      for (bool enveloped : {true, false}) {
        auto answer = protocol::parse_envelope(status, body, enveloped);
        if (!answer) {
          WAGBOT_FUZZ_CHECK(answer.error().kind != errc::ok);
          WAGBOT_FUZZ_CHECK(!answer.error().message.empty());
        } else {
          WAGBOT_FUZZ_CHECK(status < 400);
        }
      }

    if (auto answer = protocol::parse_envelope(200, body, true)) {
      const auto& d = *answer;
      decode<protocol::key_info>(d);
      decode<protocol::container>(d);
      decode<protocol::app_detail>(d);
      decode<protocol::marketplace_created>(d);
      decode<protocol::marketplace_started>(d);
      decode<protocol::system_metrics>(d);
      (void)decode_list<protocol::image>(d);
      (void)decode_list<protocol::app_summary>(d.is_object() && d.contains("apps") ? d["apps"] : d);
      (void)decode_list<protocol::installed_app>(d);
      const auto containers = decode_list<protocol::container>(d);
      if (!containers.empty() || d.is_null()) deliver(watch.on_poll(containers, t), settings);
    } else {
      deliver(watch.on_poll_failed(answer.error().message, t), settings);
    }

    // The activity list is a raw (not enveloped) route: {data: {events: [...]}} or {events: [...]}.
    if (auto raw = protocol::parse_envelope(200, body, false)) {
      const json& list = raw->is_object() && raw->contains("data") ? (*raw)["data"] : *raw;
      if (list.is_object() && list.contains("events"))
        for (const auto& e : decode_list<protocol::activity_event>(list["events"]))
          deliver(watch.on_activity(e, t), settings);
    }

    // A WebSocket frame: the watcher decodes any JSON object with no try around it.
    const auto frame = json::parse(body, nullptr, false);
    if (frame.is_object())
      deliver(watch.on_activity(frame.get<protocol::activity_event>(), t), settings);
  }
  return 0;
}
