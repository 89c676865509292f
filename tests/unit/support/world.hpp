#pragma once
// The whole command path over loopback, shared by the dispatcher and command tests: two fake
// WAGMIOS hosts (@nas and @media) answering canned JSON, a scratch SQLite database, and the
// real engine, dispatcher (every command in commands/) and conversation service. alice holds
// keys for both hosts, bob for @nas only, carol none; each key is the user's own, so a test can
// tell from a request's X-API-Key whose key the bot used.
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "../store/temp_dir.hpp"
#include "fake_http.hpp"
#include "wagbot/app/conversation.hpp"
#include "wagbot/app/dispatcher.hpp"
#include "wagbot/app/engine.hpp"

namespace wagbot::test {

/// True when `part` occurs in `text` (a reply's plain text, mostly).
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The text of tests/unit/fixtures/wagmios/<name>.
std::string wagmios_fixture(const std::string& name);
/// A successful WAGMIOS envelope around `data`.
canned envelope(const nlohmann::json& data);
/// A failed WAGMIOS envelope: {"success":false,"error":{code,message}} with that status.
canned failure(int status, const std::string& code, const std::string& message);
/// GET /api/settings's answer for a key holding `scopes`.
canned key_with(const std::vector<std::string>& scopes);

/// A WAGMIOS host: canned answers by "METHOD path" (optionally for one key only); anything
/// else is the server's plain-text 404. Starts with /api/settings (settings.json: containers
/// read+write, images:read, marketplace:read, system:read) and /api/containers
/// (containers.json: wagmios-backend, jellyfin, postgres, media-jellyfin-1).
class fake_wagmios {
 public:
  fake_wagmios();

  /// Answers `method path` with `answer`; with `key`, only requests made with that key.
  void on(const std::string& method, const std::string& path, canned answer,
          const std::string& key = {});
  std::string url() const { return server_.url(); }
  /// Every request, in order.
  std::vector<seen_request> requests() const { return server_.requests(); }
  /// "METHOD path" of every request but the scope look-ups (GET /api/settings).
  std::vector<std::string> calls() const;
  /// The X-API-Key of every request but the scope look-ups.
  std::vector<std::string> keys_used() const;
  void forget() { server_.forget(); }

 private:
  canned answer(const seen_request& r);

  std::mutex mutex_;
  std::map<std::string, canned> routes_;
  fake_http server_;  ///< last: it stops (and stops calling answer()) before the routes go
};

/// The users' keys: "wag_live_" and 44 characters whose last 8 say whose key it is.
inline const std::string alice_nas_key = "wag_live_" + std::string(36, 'A') + "aliceNAS";
inline const std::string alice_media_key = "wag_live_" + std::string(36, 'A') + "aliceMED";
inline const std::string bob_nas_key = "wag_live_" + std::string(36, 'B') + "bobbyNAS";

/// Everything a command stands on; the clock is `now`.
struct world {
  store::test::temp_dir dir;
  fake_wagmios nas, media;
  app::config cfg;
  boost::asio::io_context io;
  net::http_client http{io.get_executor(), "wagbot-test"};
  store::database db{(dir / "wagbot.db").string()};
  store::vault vault{store::master_key{}};
  store::key_store keys{db, vault};
  store::confirmation_store confirmations{db};
  store::audit_log audit{db};
  store::room_settings rooms{db};
  store::subscriptions subscriptions{db};
  std::int64_t now = 1'700'000'000;
  std::unique_ptr<app::engine> eng;
  std::unique_ptr<app::dispatcher> dispatch;
  std::unique_ptr<app::conversation> talk;

  world();

  /// alice (an admin), bob or carol, writing in shell room "room" (direct: a one-to-one chat).
  app::requester alice(bool direct = false) const;
  app::requester bob(bool direct = false) const;
  app::requester carol(bool direct = false) const;

  /// One line through the dispatcher, as `who`, to its reply.
  core::chat_reply say(const app::requester& who, const std::string& text);

  /// Runs `work` on io until it is done (10 s at most).
  template <class T>
  T wait(boost::asio::awaitable<T> work) {
    auto done = boost::asio::co_spawn(io, std::move(work), boost::asio::use_future);
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("no answer in 10 s");
      io.run_one_for(std::chrono::milliseconds(50));
      if (io.stopped()) io.restart();
    }
    return done.get();
  }
};

}  // namespace wagbot::test
