#pragma once
// URLs of WAGMIOS hosts and homeservers: parsing and percent-encoding of path segments.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wagbot::net {

/// An absolute http(s) URL split into the parts a client needs.
struct url {
  std::string scheme;      ///< "http", "https", "ws" or "wss"
  std::string host;        ///< host name or address, without brackets
  std::uint16_t port = 0;  ///< explicit or the scheme's default
  std::string path;        ///< base path without a trailing '/', may be empty

  /// "scheme://host:port" — the key of a connection pool.
  std::string origin() const;
  bool tls() const { return scheme == "https" || scheme == "wss"; }
  bool websocket() const { return scheme == "ws" || scheme == "wss"; }
};

/// Parses "http(s)://host[:port][/base]" (or ws/wss); nullopt for anything else (no userinfo,
/// no query).
std::optional<url> parse_url(std::string_view text);

/// Encodes everything outside A-Za-z0-9-._~ so an identifier is always one path segment.
std::string percent_encode(std::string_view segment);

}  // namespace wagbot::net
