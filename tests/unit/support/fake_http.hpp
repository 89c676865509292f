#pragma once
// A loopback HTTP/1.1 server for unit tests. It answers each request with what the test's
// handler returns and records what it was asked: method, target, the credential headers and
// the body. It runs on a thread of its own, so the code under test may drive its own
// io_context until its answer comes back.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace wagbot::test {

/// One request as the server received it.
struct seen_request {
  std::string method;
  std::string target;         ///< path and query, as sent
  std::string path;           ///< the target without its query
  std::string authorization;  ///< the Authorization header ("" when absent)
  std::string api_key;        ///< the X-API-Key header (WAGMIOS's credential)
  std::string body;
  /// "METHOD path", the form the tests compare.
  std::string line() const { return method + " " + path; }
};

/// What the server answers.
struct canned {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{
      0};  ///< waited (without blocking other requests) before answering
};

class fake_http {
 public:
  /// Called on the server's thread for every request.
  using handler = std::function<canned(const seen_request&)>;

  /// Listens on 127.0.0.1, a free port, at once.
  explicit fake_http(handler on_request);
  ~fake_http();
  fake_http(const fake_http&) = delete;
  fake_http& operator=(const fake_http&) = delete;

  /// "http://127.0.0.1:<port>".
  std::string url() const;
  /// Every request so far, in the order they arrived.
  std::vector<seen_request> requests() const;
  /// Forgets the requests so far.
  void forget();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace wagbot::test
