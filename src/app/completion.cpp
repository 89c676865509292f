// Values offered while someone types an argument (Discord autocomplete): read with the
// typist's own key, on the host they named or their default one, like any command.
#include "wagbot/app/conversation.hpp"

namespace wagbot::app {

namespace asio = boost::asio;

asio::awaitable<std::vector<std::string>> conversation::complete(core::chat_event ev,
                                                                 core::value_kind kind,
                                                                 std::string host) {
  auto who = identify(ev);
  if (!who) co_return std::vector<std::string>{};
  const auto hosts = eng_.hosts_of(who->user);
  if (kind == core::value_kind::host) co_return hosts;
  if (host.empty()) {
    auto room = eng_.rooms().default_host(who->network, who->room);
    if (room && std::find(hosts.begin(), hosts.end(), *room) != hosts.end())
      host = *room;
    else if (hosts.size() == 1)
      host = hosts.front();
  }
  auto call = eng_.host_for(who->user, host);
  if (!call) co_return std::vector<std::string>{};
  // WAGMIOS allows 100 requests a minute per key: values are kept for 30 s.
  const auto slot = who->user + "|" + host + "|" + std::to_string(static_cast<int>(kind));
  if (auto it = completions_.find(slot);
      it != completions_.end() &&
      std::chrono::steady_clock::now() - it->second.at < std::chrono::seconds(30))
    co_return it->second.values;
  std::vector<std::string> values;
  if (kind == core::value_kind::container) {
    if (auto list = co_await call->api->containers(call->key))
      for (const auto& c : *list) values.push_back(c.name);
  } else if (kind == core::value_kind::image) {
    if (auto list = co_await call->api->images(call->key))
      for (const auto& im : *list) values.push_back(im.repository + ":" + im.tag);
  } else if (kind == core::value_kind::app) {
    if (auto list = co_await call->api->marketplace(call->key))
      for (const auto& a : *list) values.push_back(a.id);
  } else if (kind == core::value_kind::template_name) {
    if (auto list = co_await call->api->templates(call->key))
      for (const auto& t : *list)
        if (t.is_object() && t.contains("name") && t["name"].is_string())
          values.push_back(t["name"].get<std::string>());
  }
  completions_[slot] = cached_values{values, std::chrono::steady_clock::now()};
  co_return values;
}

}  // namespace wagbot::app
