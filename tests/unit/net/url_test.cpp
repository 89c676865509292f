#include "wagbot/net/url.hpp"

#include <doctest/doctest.h>

#include "wagbot/net/tls.hpp"

using namespace wagbot::net;

TEST_SUITE("net") {
  TEST_CASE("http and https URLs with their default ports") {
    const auto plain = parse_url("http://192.168.1.10");
    REQUIRE(plain);
    CHECK(plain->scheme == "http");
    CHECK(plain->host == "192.168.1.10");
    CHECK(plain->port == 80);
    CHECK(plain->path.empty());
    CHECK_FALSE(plain->tls());
    CHECK(plain->origin() == "http://192.168.1.10:80");

    const auto secure = parse_url("https://media.home.arpa");
    REQUIRE(secure);
    CHECK(secure->scheme == "https");
    CHECK(secure->host == "media.home.arpa");
    CHECK(secure->port == 443);
    CHECK(secure->tls());
  }

  TEST_CASE("an explicit port, and the scheme in any case") {
    const auto u = parse_url("HTTP://nas.local:5179");
    REQUIRE(u);
    CHECK(u->scheme == "http");
    CHECK(u->host == "nas.local");
    CHECK(u->port == 5179);
    CHECK(u->origin() == "http://nas.local:5179");

    const auto s = parse_url("https://media.home.arpa:5179");
    REQUIRE(s);
    CHECK(s->port == 5179);
    CHECK(s->tls());
  }

  TEST_CASE("an IPv6 literal loses its brackets") {
    const auto u = parse_url("http://[fd00::10]:5179");
    REQUIRE(u);
    CHECK(u->host == "fd00::10");
    CHECK(u->port == 5179);

    const auto d = parse_url("https://[::1]/wagmios");
    REQUIRE(d);
    CHECK(d->host == "::1");
    CHECK(d->port == 443);
    CHECK(d->path == "/wagmios");

    CHECK_FALSE(parse_url("http://[::1"));
    CHECK_FALSE(parse_url("http://[::1]5179"));
    CHECK_FALSE(parse_url("http://[]:5179"));
  }

  TEST_CASE("a base path keeps its segments and loses its trailing slash") {
    CHECK(parse_url("https://proxy.example.org/wagmios/")->path == "/wagmios");
    CHECK(parse_url("https://proxy.example.org/homelab/wagmios")->path == "/homelab/wagmios");
    CHECK(parse_url("http://nas:5179/")->path.empty());
    CHECK(parse_url("http://nas:5179//")->path.empty());
  }

  TEST_CASE("what is not an absolute http(s) URL is refused") {
    CHECK_FALSE(parse_url(""));
    CHECK_FALSE(parse_url("nas.local:5179"));
    CHECK_FALSE(parse_url("192.168.1.10"));
    CHECK_FALSE(parse_url("ftp://nas.local"));
    CHECK_FALSE(parse_url("gopher://nas.local"));
    CHECK_FALSE(parse_url("http://"));
    CHECK_FALSE(parse_url("http://:5179"));
    CHECK_FALSE(parse_url("http:/nas.local"));
  }

  TEST_CASE("userinfo is refused (a key must never ride in a URL)") {
    CHECK_FALSE(parse_url("http://admin:secret@nas.local:5179"));
    CHECK_FALSE(parse_url("https://user@media.home.arpa"));
  }

  TEST_CASE("a query or fragment is refused") {
    CHECK_FALSE(parse_url("http://nas.local:5179/api?key=x"));
    CHECK_FALSE(parse_url("http://nas.local:5179/#top"));
    CHECK_FALSE(parse_url("http://nas.local:5179?key=x"));
    CHECK_FALSE(parse_url("http://nas.local:5179#top"));
  }

  TEST_CASE("a query or fragment straight after a host without a port is refused") {
    // Otherwise "?key=x" becomes part of the host name and the URL is accepted.
    CHECK_FALSE(parse_url("http://nas.local?key=x"));
    CHECK_FALSE(parse_url("http://nas.local#top"));
    CHECK_FALSE(parse_url("https://[::1]?key=x"));
  }

  TEST_CASE("a host with a colon outside brackets is refused") {
    // An IPv6 address written without brackets must not become host "fd00:" on port 10.
    CHECK_FALSE(parse_url("http://fd00::10"));
    CHECK_FALSE(parse_url("http://::1:5179"));
    CHECK_FALSE(parse_url("http://nas.local:5179:80"));
  }

  TEST_CASE("a port must be 1-65535 and numeric") {
    CHECK_FALSE(parse_url("http://nas.local:0"));
    CHECK_FALSE(parse_url("http://nas.local:70000"));
    CHECK_FALSE(parse_url("http://nas.local:65536"));
    CHECK_FALSE(parse_url("http://nas.local:http"));
    CHECK_FALSE(parse_url("http://nas.local:51x79"));
    CHECK_FALSE(parse_url("http://nas.local:-1"));
    CHECK_FALSE(parse_url("http://[::1]:0"));
    REQUIRE(parse_url("http://nas.local:65535"));
    CHECK(parse_url("http://nas.local:65535")->port == 65535);
    CHECK(parse_url("http://nas.local:1")->port == 1);
  }

  TEST_CASE("percent_encode keeps unreserved characters") {
    CHECK(percent_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(percent_encode("media-jellyfin-1") == "media-jellyfin-1");
    CHECK(percent_encode("") == "");
  }

  TEST_CASE("percent_encode makes every identifier a single path segment") {
    CHECK(percent_encode("a/b") == "a%2Fb");
    CHECK(percent_encode("../../etc") == "..%2F..%2Fetc");
    CHECK(percent_encode("c++") == "c%2B%2B");
    CHECK(percent_encode("my app") == "my%20app");
    CHECK(percent_encode("100%") == "100%25");
    CHECK(percent_encode("nginx:alpine") == "nginx%3Aalpine");
    CHECK(percent_encode("a?b#c") == "a%3Fb%23c");
  }

  TEST_CASE("percent_encode writes UTF-8 bytes as upper-case hex") {
    CHECK(percent_encode("caf\xC3\xA9") == "caf%C3%A9");
    CHECK(percent_encode("\xE2\x9C\x93") == "%E2%9C%93");
    CHECK(percent_encode(std::string_view("\x00\x7F", 2)) == "%00%7F");
  }

  TEST_CASE("normalise_fingerprint accepts the usual ways of writing a SHA-256") {
    const std::string expected = "3f1a9c0e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a";
    CHECK(normalise_fingerprint(expected) == expected);
    CHECK(normalise_fingerprint(
              "3F:1A:9C:0E:5B:7D:2F:4A:6C:8E:0B:1D:3F:5A:7C:9E:2B:4D:6F:8A:0C:1E:3B:5D:7F:9A:2C:"
              "4E:6B:8D:0F:1A") == expected);
    CHECK(normalise_fingerprint(
              "3F1A9C0E 5B7D2F4A 6C8E0B1D 3F5A7C9E 2B4D6F8A 0C1E3B5D 7F9A2C4E 6B8D0F1A") ==
          expected);
  }

  TEST_CASE("normalise_fingerprint refuses what is not 64 hex digits") {
    const std::string good = "3f1a9c0e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a";
    CHECK(normalise_fingerprint("").empty());
    CHECK(normalise_fingerprint(good.substr(0, 62)).empty());
    CHECK(normalise_fingerprint(good + "00").empty());
    CHECK(normalise_fingerprint("g" + good.substr(1)).empty());
    CHECK(normalise_fingerprint("sha256/" + good).empty());
    // A SHA-1 fingerprint (40 digits) is not a SHA-256 one.
    CHECK(normalise_fingerprint("3F:1A:9C:0E:5B:7D:2F:4A:6C:8E:0B:1D:3F:5A:7C:9E:2B:4D:6F:8A")
              .empty());
  }

  TEST_CASE("ws and wss URLs are WebSocket URLs, wss over TLS") {
    auto ws = wagbot::net::parse_url("ws://127.0.0.1:9000/gateway");
    REQUIRE(ws.has_value());
    CHECK(ws->websocket());
    CHECK_FALSE(ws->tls());
    CHECK(ws->path == "/gateway");
    auto wss = wagbot::net::parse_url("wss://gateway.discord.gg");
    REQUIRE(wss.has_value());
    CHECK(wss->tls());
    CHECK(wss->port == 443);
    CHECK_FALSE(wagbot::net::parse_url("https://x")->websocket());
  }
}
