#include "wagbot/core/reply.hpp"

#include <algorithm>

namespace wagbot::core {

chat_reply& chat_reply::text(std::string t) {
  blocks.push_back({block::kind::text, std::move(t), {}, {}});
  return *this;
}

chat_reply& chat_reply::code(std::string t, std::string lang) {
  blocks.push_back({block::kind::code, std::move(t), std::move(lang), {}});
  return *this;
}

chat_reply& chat_reply::add_table(table t) {
  blocks.push_back({block::kind::table, {}, {}, std::move(t)});
  return *this;
}

chat_reply say(tone mood, std::string text) {
  chat_reply r;
  r.mood = mood;
  r.text(std::move(text));
  return r;
}

namespace {
/// Display width in code points, so that "✅" does not count as three columns.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

std::string render_table_plain(const table& t) {
  std::vector<std::size_t> widths(t.headers.size(), 0);
  for (std::size_t i = 0; i < t.headers.size(); ++i) widths[i] = width(t.headers[i]);
  for (const auto& row : t.rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      out += cell;
      if (i + 1 < widths.size()) out.append(widths[i] - width(cell) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(t.headers);
  for (const auto& row : t.rows) out += line(row);
  return out;
}

std::string chat_reply::plain() const {
  std::string out;
  for (const auto& b : blocks) {
    if (!out.empty() && out.back() != '\n') out += "\n";
    switch (b.type) {
      case block::kind::text: out += b.text; break;
      case block::kind::code: out += b.lang.empty() ? b.text : "```" + b.lang + "\n" + b.text + "\n```"; break;
      case block::kind::table: out += render_table_plain(b.grid); break;
    }
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace wagbot::core
