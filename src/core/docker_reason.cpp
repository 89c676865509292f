#include "wagbot/core/docker_reason.hpp"

#include <array>
#include <utility>

#include "wagbot/core/spelling.hpp"

namespace wagbot::core {

std::optional<failed_action> failed_action_of(std::string_view call, std::string target,
                                              std::string_view key) {
  failed_action what;
  if (call == "start" || call == "stop" || call == "restart") {
    what = {"container_action", std::string(call), std::move(target), {}};
  } else if (call == "rm") {
    what = {"container_action", "delete", std::move(target), {}};
  } else if (call == "run") {
    // A failed create has no id to name: its event is matched by who made it.
    what = {"container_action", "create", {}, {}};
  } else if (call == "pull") {
    what = {"image_pull", "pull", std::move(target), {}};
  } else if (call == "rmi") {
    what = {"image_delete", "delete", std::move(target), {}};
  } else {
    return std::nullopt;  // logs and reads leave no event
  }
  what.agent = std::string(key.size() > 8 ? key.substr(key.size() - 8) : key);
  return what;
}

namespace {
bool same_target(const protocol::activity_event& e, const failed_action& what) {
  if (what.target.empty() || e.target == what.target) return true;
  const auto& d = e.details;
  return d.is_object() && d.contains("container_id") && d["container_id"].is_string() &&
         d["container_id"].get<std::string>() == what.target;
}

std::optional<std::string> words_of(const protocol::json& details) {
  if (details.is_string()) return details.get<std::string>();
  if (!details.is_object()) return std::nullopt;
  for (const char* field : {"details", "error", "message"})
    if (details.contains(field) && details[field].is_string() &&
        !details[field].get<std::string>().empty())
      return details[field].get<std::string>();
  return std::nullopt;
}
}  // namespace

std::optional<std::string> docker_words(const std::vector<protocol::activity_event>& events,
                                        const failed_action& what) {
  for (auto e = events.rbegin(); e != events.rend(); ++e) {
    if (e->type != what.type || e->status != "error") continue;
    if (!e->action.empty() && lowered(e->action) != what.action) continue;
    if (!what.agent.empty() && !e->agent.empty() && e->agent != what.agent) continue;
    if (!same_target(*e, what)) continue;
    if (auto words = words_of(e->details); words && !one_line(*words).empty()) return words;
  }
  return std::nullopt;
}

std::string one_line(std::string_view message, std::size_t most) {
  static constexpr std::string_view daemon = "Error response from daemon: ";
  std::string line;
  while (!message.empty() && line.empty()) {
    const auto end = message.find('\n');
    auto part = message.substr(0, end);
    message = end == std::string_view::npos ? std::string_view{} : message.substr(end + 1);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\r' || part.back() == '\t'))
      part.remove_suffix(1);
    if (part.starts_with(daemon)) part.remove_prefix(daemon.size());
    line = std::string(part);
  }
  if (line.size() > most) {
    auto cut = most;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
    line = line.substr(0, cut) + "…";
  }
  return line;
}

std::string plain_docker_reason(std::string_view words) {
  // Docker's usual failures, by a phrase of its message, in the words a user expects.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> known{{
      {"no such container", "no such container"},
      {"no such image", "no such image"},
      {"invalid reference format", "not a valid image name"},
      {"port is already allocated", "the port is already taken"},
      {"address already in use", "the port is already taken"},
      {"is already in use by container", "the name is already taken"},
      {"image is being used", "the image is in use by a container"},
      {"unable to delete", "the image is in use"},
      {"unable to remove repository reference", "the image is in use by a container"},
      {"manifest unknown", "no such image in the registry"},
      {"pull access denied", "no such image in the registry, or it needs a login"},
      {"no such host", "registry unreachable"},
      {"i/o timeout", "registry unreachable"},
      {"connection refused", "registry unreachable"},
      {"network is unreachable", "registry unreachable"},
      {"no space left on device", "the disk is full"},
      {"is not running", "it is not running"},
  }};
  const auto line = one_line(words);
  const auto lower =
      lowered(one_line(words, std::string_view::npos));  // the phrase may lie past the cut
  for (const auto& [phrase, plain] : known)
    if (lower.find(phrase) != std::string::npos) return std::string(plain) + " (" + line + ")";
  return line;
}

std::string compose_reason(std::string_view output) {
  std::string last, error;
  while (!output.empty()) {
    const auto end = output.find('\n');
    const auto raw = output.substr(0, end);
    output = end == std::string_view::npos ? std::string_view{} : output.substr(end + 1);
    if (one_line(raw).empty()) continue;
    last = std::string(raw);
    if (lowered(raw).find("error") != std::string::npos) error = last;
  }
  return plain_docker_reason(error.empty() ? last : error);
}

}  // namespace wagbot::core
