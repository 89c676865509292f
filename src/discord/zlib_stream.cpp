#include "wagbot/discord/zlib_stream.hpp"

#include <zlib.h>

namespace wagbot::discord {

struct zlib_stream::state {
  z_stream z{};
  bool open = false;
  state() { open = inflateInit(&z) == Z_OK; }
  ~state() {
    if (open) inflateEnd(&z);
  }
};

zlib_stream::zlib_stream(std::size_t max_payload)
    : state_(std::make_unique<state>()), max_payload_(max_payload) {}

zlib_stream::~zlib_stream() = default;

void zlib_stream::reset() {
  state_ = std::make_unique<state>();
  pending_.clear();
}

zlib_stream::result zlib_stream::feed(std::string_view data) {
  static constexpr std::string_view flush_marker("\x00\x00\xff\xff", 4);
  if (!state_->open) return {std::nullopt, "zlib could not be initialised"};
  pending_.append(data);
  if (pending_.size() > max_payload_) return {std::nullopt, "a compressed payload is too large"};
  if (!pending_.ends_with(flush_marker)) return {};

  auto& z = state_->z;
  z.next_in = reinterpret_cast<Bytef*>(pending_.data());
  z.avail_in = static_cast<uInt>(pending_.size());
  std::string out;
  char chunk[16384];
  // Until the input is used up and the last call had room to spare (nothing more buffered).
  do {
    const auto in_before = z.avail_in;
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    const int rc = inflate(&z, Z_SYNC_FLUSH);
    const auto got = sizeof chunk - z.avail_out;
    if (rc == Z_STREAM_END) return {std::nullopt, "the zlib stream ended"};
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return {std::nullopt, z.msg ? std::string("zlib: ") + z.msg : "zlib error"};
    if (rc == Z_BUF_ERROR && got == 0 && z.avail_in == in_before) break;  // no progress possible
    out.append(chunk, got);
    if (out.size() > max_payload_) return {std::nullopt, "an inflated payload is too large"};
  } while (z.avail_in > 0 || z.avail_out == 0);
  if (z.avail_in > 0) return {std::nullopt, "zlib: input left over"};
  pending_.clear();
  return {std::move(out), {}};
}

}  // namespace wagbot::discord
