#include "wagbot/matrix/render.hpp"

namespace wagbot::matrix {

namespace {

/// Appends `text` HTML-escaped; with `breaks`, a newline becomes <br>. Rendering appends into
/// one string rather than joining temporaries: it runs for every reply (issue 15).
void append_escaped(std::string& out, std::string_view text, bool breaks) {
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
      case '\n':
        if (breaks) {
          out += "<br>";
          break;
        }
        out.push_back(c);
        break;
      default:
        out.push_back(c);
    }
  }
}

/// inline_html, appended to `out`.
void append_inline_html(std::string& out, std::string_view text) {
  bool in_code = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '`') continue;
    // An unmatched backtick: the last piece is emitted as code; acceptable for display.
    if (in_code) out += "<code>";
    append_escaped(out, text.substr(start, i - start), true);
    if (in_code) out += "</code>";
    if (i < text.size()) in_code = !in_code;
    start = i + 1;
  }
}

/// Cuts at a UTF-8 boundary.
std::string cut(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

using core::mood_marker;

/// Between a row's shown cells: the first after its name, then the others.
const char* separator(const core::table& t, std::size_t shown) {
  return shown == 0 ? (t.headers.size() == 2 ? ": " : " — ") : " · ";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text, false);
  return out;
}

std::string inline_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  append_inline_html(out, text);
  return out;
}

std::string table_list_html(const core::table& t) {
  std::string out = "<ul>";
  for (const auto& row : t.rows) {
    if (row.empty()) continue;
    out += "<li><b>";
    append_inline_html(out, row[0]);
    out += "</b>";
    std::size_t shown = 0;  // the empty cells are left out
    for (std::size_t k = 1; k < row.size(); ++k) {
      if (row[k].empty()) continue;
      out += separator(t, shown++);
      append_inline_html(out, row[k]);
    }
    out += "</li>";
  }
  return out + "</ul>";
}

std::string table_list_plain(const core::table& t) {
  std::string out;
  for (const auto& row : t.rows) {
    if (row.empty()) continue;
    out += "• ";
    out += row[0];
    std::size_t shown = 0;
    for (std::size_t k = 1; k < row.size(); ++k) {
      if (row[k].empty()) continue;
      out += separator(t, shown++);
      out += row[k];
    }
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
