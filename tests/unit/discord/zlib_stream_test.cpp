#include "wagbot/discord/zlib_stream.hpp"

#include <zlib.h>

#include <doctest/doctest.h>

using wagbot::discord::zlib_stream;

namespace {
/// The server's side: one deflate context for the connection, a sync flush after each payload.
class deflater {
 public:
  deflater() { deflateInit(&z_, Z_DEFAULT_COMPRESSION); }
  ~deflater() { deflateEnd(&z_); }
  std::string payload(const std::string& text) {
    std::string out;
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z_.avail_in = static_cast<uInt>(text.size());
    char chunk[4096];
    do {
      z_.next_out = reinterpret_cast<Bytef*>(chunk);
      z_.avail_out = sizeof chunk;
      deflate(&z_, Z_SYNC_FLUSH);
      out.append(chunk, sizeof chunk - z_.avail_out);
    } while (z_.avail_out == 0);
    return out;
  }

 private:
  z_stream z_{};
};

std::string big_json(std::size_t n) {
  std::string s = R"({"op":0,"t":"GUILD_CREATE","d":{"members":[)";
  for (std::size_t i = 0; i < n; ++i)
    s += (i ? "," : "") + std::string(R"({"id":")") + std::to_string(i * 7919) + R"("})";
  return s + "]}}";
}
}  // namespace

TEST_SUITE("discord") {
  TEST_CASE("zlib-stream: payloads share one context; one may span several frames") {
    deflater server;
    zlib_stream in;
    const std::string hello = R"({"op":10,"d":{"heartbeat_interval":41250}})";
    auto first = in.feed(server.payload(hello));
    REQUIRE(first.payload);
    CHECK(*first.payload == hello);

    // Larger than the inflater's chunk, and cut into three frames: only the last completes it.
    const auto guild = big_json(5000);
    const auto data = server.payload(guild);
    const auto third = data.size() / 3;
    auto a = in.feed(data.substr(0, third));
    CHECK((!a.payload && a.error.empty()));
    auto b = in.feed(data.substr(third, third));
    CHECK((!b.payload && b.error.empty()));
    auto c = in.feed(data.substr(2 * third));
    REQUIRE(c.payload);
    CHECK(*c.payload == guild);

    // The same payload again is smaller on the wire: the window is shared.
    const auto again = server.payload(guild);
    CHECK(again.size() < data.size());
    auto d = in.feed(again);
    REQUIRE(d.payload);
    CHECK(*d.payload == guild);
  }

  TEST_CASE("zlib-stream: a broken stream is an error; reset starts afresh") {
    deflater server;
    zlib_stream in;
    REQUIRE(in.feed(server.payload(R"({"op":11})")).payload);
    std::string junk = "not zlib at all";
    junk += std::string("\x00\x00\xff\xff", 4);
    CHECK_FALSE(in.feed(junk).error.empty());

    // A new connection: a new server context, and the reset inflater reads it.
    in.reset();
    deflater next;
    auto ok = in.feed(next.payload(R"({"op":10})"));
    REQUIRE(ok.payload);
    CHECK(*ok.payload == R"({"op":10})");

    // Without a reset, a second connection's stream header is garbage to the old context.
    deflater third;
    CHECK_FALSE(in.feed(third.payload(R"({"op":10})")).error.empty());
  }

  TEST_CASE("zlib-stream: a payload inflating past the limit is refused") {
    deflater server;
    zlib_stream in(64 * 1024);
    auto huge = in.feed(server.payload(std::string(1 << 20, 'a')));  // 1 MiB of 'a' is a tiny frame
    CHECK_FALSE(huge.payload);
    CHECK(huge.error.find("too large") != std::string::npos);
  }
}
