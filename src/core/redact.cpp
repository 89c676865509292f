#include "wagbot/core/redact.hpp"

#include <cctype>

namespace wagbot::core {

namespace {
constexpr std::string_view prefix = "wag_live_";
bool key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '=';
}
}  // namespace

std::string redact(std::string_view text, std::string_view also) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!also.empty() && text.substr(i, also.size()) == also) {
      out += "***";
      i += also.size();
      continue;
    }
    if (text.substr(i, prefix.size()) == prefix) {
      std::size_t end = i + prefix.size();
      while (end < text.size() && key_char(text[end])) ++end;
      const auto body = text.substr(i + prefix.size(), end - i - prefix.size());
      out += "wag_live_…";
      if (body.size() >= 12) out += body.substr(body.size() - 4);
      i = end;
      continue;
    }
    out.push_back(text[i++]);
  }
  return out;
}

bool contains_key(std::string_view text) {
  for (auto pos = text.find(prefix); pos != std::string_view::npos;
       pos = text.find(prefix, pos + 1)) {
    std::size_t n = 0;
    for (auto i = pos + prefix.size(); i < text.size() && key_char(text[i]); ++i) ++n;
    if (n >= 16) return true;
  }
  return false;
}

bool is_key(std::string_view text) {
  if (text.size() != prefix.size() + 44 || text.substr(0, prefix.size()) != prefix) return false;
  for (char c : text.substr(prefix.size()))
    if (!key_char(c)) return false;
  return true;
}

chat_reply redacted(chat_reply reply) {
  for (auto& b : reply.blocks) {
    if (contains_key(b.text)) b.text = redact(b.text);
    for (auto& h : b.grid.headers)
      if (contains_key(h)) h = redact(h);
    for (auto& row : b.grid.rows)
      for (auto& cell : row)
        if (contains_key(cell)) cell = redact(cell);
  }
  return reply;
}

}  // namespace wagbot::core
