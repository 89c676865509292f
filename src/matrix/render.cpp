#include "wagbot/matrix/render.hpp"

namespace wagbot::matrix {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string inline_html(std::string_view text) {
  std::string out;
  bool in_code = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '`') {
      auto piece = html_escape(text.substr(start, i - start));
      if (in_code)
        out += "<code>" + piece + "</code>";
      else
        out += piece;
      if (i < text.size()) in_code = !in_code;
      start = i + 1;
    }
  }
  // An unmatched backtick: the last piece was emitted as code; acceptable for display.
  std::string with_breaks;
  for (char c : out) {
    if (c == '\n')
      with_breaks += "<br>";
    else
      with_breaks.push_back(c);
  }
  return with_breaks;
}

namespace {

/// Cuts at a UTF-8 boundary.
std::string cut(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

using core::mood_marker;

/// A row's cells after the first, the empty ones left out.
std::vector<std::string> rest_of(const std::vector<std::string>& row) {
  std::vector<std::string> out;
  for (std::size_t k = 1; k < row.size(); ++k)
    if (!row[k].empty()) out.push_back(row[k]);
  return out;
}

}  // namespace

std::string table_list_html(const core::table& t) {
  std::string out = "<ul>";
  for (const auto& row : t.rows) {
    if (row.empty()) continue;
    out += "<li><b>" + inline_html(row[0]) + "</b>";
    const auto rest = rest_of(row);
    for (std::size_t k = 0; k < rest.size(); ++k)
      out += (k == 0 ? (t.headers.size() == 2 ? ": " : " — ") : " · ") + inline_html(rest[k]);
    out += "</li>";
  }
  return out + "</ul>";
}

std::string table_list_plain(const core::table& t) {
  std::string out;
  for (const auto& row : t.rows) {
    if (row.empty()) continue;
    out += "• " + row[0];
    const auto rest = rest_of(row);
    for (std::size_t k = 0; k < rest.size(); ++k)
      out += (k == 0 ? (t.headers.size() == 2 ? ": " : " — ") : " · ") + rest[k];
    out += "\n";
  }
  return out;
}

nlohmann::json render(const core::chat_reply& reply, const std::vector<std::string>& mention_ids,
                      std::size_t max_bytes, message_kind kind) {
  std::string html;
  std::string body;
  bool first = true;
  bool truncated = false;
  bool after_text = false;  // a block element (pre, ul) breaks the line itself: no <br> after it
  for (const auto& b : reply.blocks) {
    std::string piece_html;
    std::string piece_body;
    switch (b.type) {
      case core::block::kind::text:
        piece_html = (first ? mood_marker(reply.mood) : "") + inline_html(b.text);
        piece_body = (first ? mood_marker(reply.mood) : "") + b.text;
        if (after_text) piece_html = "<br>" + piece_html;
        break;
      case core::block::kind::code: {
        // A last newline would show as an empty last line inside the block.
        std::string_view text = b.text;
        while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
        piece_html =
            (b.lang.empty() ? "<pre><code>"
                            : "<pre><code class=\"language-" + html_escape(b.lang) + "\">") +
            html_escape(text) + "</code></pre>";
        piece_body = b.lang.empty() ? b.text : "```" + b.lang + "\n" + b.text + "\n```";
        break;
      }
      case core::block::kind::table:
        piece_html = table_list_html(b.grid);
        piece_body = table_list_plain(b.grid);
        break;
    }
    if (!body.empty() && body.back() != '\n') body += "\n";
    if (html.size() + piece_html.size() > max_bytes ||
        body.size() + piece_body.size() > max_bytes) {
      truncated = true;
      // A code block (logs) keeps its last lines: they are the newest.
      if (b.type == core::block::kind::code && html.size() + 64 < max_bytes) {
        const std::size_t room = max_bytes - html.size() - 64;
        std::string tail = b.text.size() > room ? b.text.substr(b.text.size() - room) : b.text;
        if (auto nl = tail.find('\n'); nl != std::string::npos && b.text.size() > room)
          tail = tail.substr(nl + 1);
        html += "<pre><code>" + html_escape(tail) + "</code></pre>";
        body += tail;
      }
      break;
    }
    html += piece_html;
    body += piece_body;
    first = false;
    after_text = b.type == core::block::kind::text;
  }
  while (!body.empty() && body.back() == '\n') body.pop_back();
  if (truncated) {
    const std::string note =
        "(output cut to fit one message; ask for less, e.g. `logs <container> 50`)";
    html += "<p><i>" + inline_html(note) + "</i></p>";
    body = cut(body, max_bytes) + "\n" + note;
  }
  nlohmann::json mentions = nlohmann::json::object();
  if (!mention_ids.empty()) mentions["user_ids"] = mention_ids;
  return {{"msgtype", kind == message_kind::notice ? "m.notice" : "m.text"},
          {"body", body},
          {"format", "org.matrix.custom.html"},
          {"formatted_body", html},
          {"m.mentions", mentions}};
}

}  // namespace wagbot::matrix
