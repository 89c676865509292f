#pragma once
// Typed async client for one WAGMIOS host. Every call takes the API key of the chat user on
// whose behalf it runs: the client itself holds no key.
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include "wagbot/net/http_client.hpp"
#include "wagbot/protocol/wagmios.hpp"

namespace wagbot::wagmios {

template <class T>
using result = boost::system::result<T, error>;
template <class T>
using task = boost::asio::awaitable<result<T>>;
using protocol::json;

/// Where a host is and how to trust it.
struct endpoint {
  net::url base;
  net::tls_options tls;
};

/// Per-request deadlines; pulls and marketplace starts can take minutes.
struct timeouts {
  std::chrono::milliseconds normal{10'000};
  std::chrono::milliseconds pull{120'000};
  std::chrono::milliseconds marketplace_start{300'000};
};

class client {
 public:
  client(net::http_client& http, endpoint where, timeouts limits = {});

  const endpoint& where() const { return where_; }

  /// Told after every request how long it took and how it failed: "" (an answer came back),
  /// "timeout", "unreachable", "tls", "http" (5xx) or "bad_response" (not the envelope).
  using observer =
      std::function<void(std::chrono::duration<double> took, std::string_view failure)>;
  void observe(observer o) { observer_ = std::move(o); }

  /// The key's own metadata and scopes (`GET /api/settings`).
  task<protocol::key_info> settings(std::string_view key);

  task<std::vector<protocol::container>> containers(std::string_view key);
  task<protocol::container> container_config(std::string_view key, std::string_view id);
  /// Last `tail` lines of stdout+stderr (1..1000).
  task<std::string> logs(std::string_view key, std::string_view id, int tail);
  /// `action` is start, stop or restart; returns the server's status word.
  task<std::string> container_action(std::string_view key, std::string_view id,
                                     std::string_view action);
  task<std::string> delete_container(std::string_view key, std::string_view id);
  /// Body in the code's form: {name, image, ports:[{host,container}], env:[{key,value}], ...}.
  task<std::string> create_container(std::string_view key, const json& body);

  task<std::vector<protocol::image>> images(std::string_view key);
  /// A pull that outlives its deadline is reported as errc::still_running.
  task<json> pull_image(std::string_view key, std::string_view image);
  task<std::string> delete_image(std::string_view key, std::string_view id);

  task<std::vector<json>> templates(std::string_view key);
  task<json> template_get(std::string_view key, std::string_view name);
  task<std::string> template_save(std::string_view key, const json& body);

  task<std::vector<protocol::app_summary>> marketplace(std::string_view key);
  task<protocol::app_detail> app(std::string_view key, std::string_view app_id);
  task<std::vector<protocol::installed_app>> installed(std::string_view key);
  task<protocol::marketplace_created> marketplace_create(std::string_view key, const json& body);
  task<protocol::marketplace_started> marketplace_start(std::string_view key,
                                                        std::string_view container_name,
                                                        std::string_view compose_path);

  task<json> system_info(std::string_view key);
  task<protocol::system_metrics> system_metrics(std::string_view key);
  task<json> metrics_summary(std::string_view key);
  task<std::vector<protocol::activity_event>> activity(std::string_view key);

  /// `GET /health` without a key: how long the host took to say it is up.
  task<std::chrono::milliseconds> health();
  /// `GET /api/auth/status` without a key: whether the host's setup is done, how many keys.
  task<json> auth_status();

  /// Requests sent with `key` in the last minute. WAGMIOS allows 100 a minute per key and
  /// sends no count of its own: this is wagbot's own count, through this client.
  std::size_t sent_last_minute(std::string_view key);

 private:
  task<json> call(std::string_view key, const char* method, std::string target, std::string body,
                  std::chrono::milliseconds timeout, bool enveloped = true);
  void report(std::chrono::steady_clock::time_point started, std::string_view failure) const;
  template <class T>
  task<T> get_as(std::string_view key, std::string target);

  net::http_client& http_;
  endpoint where_;
  timeouts limits_;
  observer observer_;
  /// When each of the last minute's requests went, by the key's last 8 characters.
  std::map<std::string, std::deque<std::chrono::steady_clock::time_point>, std::less<>> sent_;
};

/// Turns a transport failure into the error a user is shown.
error transport_error(const boost::system::error_code& ec);

}  // namespace wagbot::wagmios
