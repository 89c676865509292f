#include "world.hpp"

#include "fixtures.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands/commands.hpp"

namespace wagbot::test {

std::string wagmios_fixture(const std::string& name) {
  return fixture_text("wagmios", name);
}

canned envelope(const nlohmann::json& data) {
  return {200, nlohmann::json{{"success", true}, {"data", data}, {"error", nullptr}}.dump()};
}

canned failure(int status, const std::string& code, const std::string& message) {
  nlohmann::json body{
      {"success", false}, {"data", nullptr}, {"error", {{"code", code}, {"message", message}}}};
  return {status, body.dump()};
}

canned key_with(const std::vector<std::string>& scopes) {
  return envelope({{"id", "690af5defbf30a3c"},
                   {"key_prefix", "ytfufL0=..."},
                   {"scopes", scopes},
                   {"label", "wagbot"},
                   {"role", "agent"}});
}

fake_wagmios::fake_wagmios() : server_([this](const seen_request& r) { return answer(r); }) {
  on("GET", "/api/settings", {200, wagmios_fixture("settings.json")});
  on("GET", "/api/containers", {200, wagmios_fixture("containers.json")});
}

void fake_wagmios::on(const std::string& method, const std::string& path, canned answer,
                      const std::string& key) {
  std::lock_guard lock(mutex_);
  routes_[key + "|" + method + " " + path] = std::move(answer);
}

canned fake_wagmios::answer(const seen_request& r) {
  std::lock_guard lock(mutex_);
  if (auto it = routes_.find(r.api_key + "|" + r.line()); it != routes_.end()) return it->second;
  if (auto it = routes_.find("|" + r.line()); it != routes_.end()) return it->second;
  return {404, "404 page not found", "text/plain; charset=utf-8"};
}

std::vector<std::string> fake_wagmios::calls() const {
  std::vector<std::string> out;
  for (const auto& r : requests())
    if (r.line() != "GET /api/settings") out.push_back(r.line());
  return out;
}

std::vector<std::string> fake_wagmios::keys_used() const {
  std::vector<std::string> out;
  for (const auto& r : requests())
    if (r.line() != "GET /api/settings") out.push_back(r.api_key);
  return out;
}

namespace {
app::host_config host(const std::string& alias, const std::string& url,
                      std::vector<std::string> description) {
  app::host_config h;
  h.alias = alias;
  h.url = url;
  h.base = *net::parse_url(url);
  h.description = std::move(description);
  return h;
}

app::user_config user(const std::string& name, bool admin) {
  app::user_config u;
  u.name = name;
  u.admin = admin;
  u.ids["shell"] = {name};
  return u;
}
}  // namespace

world::world() {
  cfg.hosts.push_back(host("nas", nas.url(), {"the nas"}));
  cfg.hosts.back().monitor_key = "wag_live_" + std::string(36, 'M') + "monitor1";
  cfg.hosts.push_back(host("media", media.url(), {"the media box"}));
  cfg.users.push_back(user("alice", true));
  cfg.users.push_back(user("bob", false));
  cfg.users.push_back(user("carol", false));
  cfg.timeouts.settle_seconds = 0;  // the settle look has tests of its own
  keys.put("alice", "nas", nas.url(), alice_nas_key, now);
  keys.put("alice", "media", media.url(), alice_media_key, now);
  keys.put("bob", "nas", nas.url(), bob_nas_key, now);
  eng = std::make_unique<app::engine>(cfg, core::logger(), http, keys, confirmations, audit, rooms,
                                      vault, subscriptions, [this] { return now; });
  dispatch = std::make_unique<app::dispatcher>(*eng, commands::all());
  talk = std::make_unique<app::conversation>(*eng, *dispatch);
}

app::requester world::alice(bool direct) const {
  return {"shell", "room", "alice", "alice", true, false, direct};
}

app::requester world::bob(bool direct) const {
  return {"shell", "room", "bob", "bob", false, false, direct};
}

app::requester world::carol(bool direct) const {
  return {"shell", "room", "carol", "carol", false, false, direct};
}

core::chat_reply world::say(const app::requester& who, const std::string& text) {
  return wait(dispatch->handle(who, text));
}

}  // namespace wagbot::test
