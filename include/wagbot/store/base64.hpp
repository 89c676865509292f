#pragma once
// Standard base64 (RFC 4648 section 4, with '=' padding): the text form of sealed keys and of the
// master key file.
#include <optional>
#include <string>
#include <string_view>

namespace wagbot::store {

/// Encodes bytes as padded standard base64, no line breaks.
std::string base64_encode(std::string_view bytes);

/// Decodes padded standard base64; nullopt on any character, length or padding error.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace wagbot::store
