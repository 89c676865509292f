#pragma once
// The gateway's optional transport compression (`compress=zlib-stream`): one zlib context for
// the whole connection; the server flushes it after every payload, so a payload is complete
// when the data received so far ends with 00 00 ff ff (a message may span several frames).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace wagbot::discord {

class zlib_stream {
 public:
  /// Payloads larger than `max_payload` once inflated are refused as an error.
  explicit zlib_stream(std::size_t max_payload = 16u << 20);
  ~zlib_stream();
  zlib_stream(const zlib_stream&) = delete;
  zlib_stream& operator=(const zlib_stream&) = delete;

  struct result {
    std::optional<std::string> payload;  ///< a whole payload, when this data completed one
    std::string error;                   ///< not empty: the stream is broken; reconnect
  };
  /// Feeds one WebSocket message of the connection.
  result feed(std::string_view data);
  /// A fresh context, for a new connection.
  void reset();

 private:
  struct state;
  std::unique_ptr<state> state_;
  std::string pending_;  ///< compressed data of a payload not yet flushed
  std::size_t max_payload_;
};

}  // namespace wagbot::discord
