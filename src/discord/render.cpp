#include "wagbot/discord/render.hpp"

#include <algorithm>

namespace wagbot::discord {

namespace {
using core::mood_marker;

/// Code blocks must not be closed early by the text they show.
std::string fence(const std::string& text, const std::string& lang = {}) {
  std::string safe;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 3, "```") == 0) {
      safe += "`\u200b``";
      i += 2;
    } else {
      safe.push_back(text[i]);
    }
  }
  return "```" + lang + "\n" + safe + "\n```";
}

std::size_t utf8_cut(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s.size();
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return max;
}

/// Markdown's marks in a cell (a container's name, an image tag) shown as themselves; inline
/// code (`nginx`) stays code, as in the text around it.
std::string escape_markdown(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '*' || c == '_' || c == '~' || c == '|') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

int tone_colour(core::tone mood) {
  switch (mood) {
    case core::tone::success:
      return 0x2ECC71;
    case core::tone::warning:
      return 0xF1C40F;
    case core::tone::error:
      return 0xE74C3C;
    case core::tone::info:
      break;
  }
  return 0x5865F2;  // blurple: information
}

// A Components V2 message holds at most 4000 characters of text and 40 components: what is
// left is room for pings and for a row of buttons or a select menu.
constexpr std::size_t layout_text_limit = 3800;
constexpr std::size_t layout_component_limit = 34;
/// Below this much room left on a page, a long list starts on the next page instead.
constexpr std::size_t layout_min_split = 200;

/// One text display of a layout; `new_section` when it starts a new part after a list.
struct layout_item {
  std::string text;
  bool new_section = false;
};

/// The first part of `text` that fits in `room` bytes: cut between lines (within a line when
/// no line ends in time); the rest is left in `text`.
std::string take_fitting(std::string& text, std::size_t room) {
  auto cut = text.rfind('\n', room);
  const bool at_line = cut != std::string::npos && cut > 0;
  if (!at_line) cut = utf8_cut(text, room);
  std::string head = text.substr(0, cut);
  text.erase(0, at_line ? cut + 1 : cut);
  return head;
}

/// Text longer than one display, cut between lines.
void add_split(std::vector<layout_item>& items, std::string text, bool new_section) {
  while (text.size() > layout_text_limit) {
    items.push_back({take_fitting(text, layout_text_limit), new_section});
    new_section = false;
  }
  if (!text.empty()) items.push_back({std::move(text), new_section});
}

/// A reply's blocks as text displays: text as it is, code fenced (logs keep their newest
/// lines), tables as lists; a text after a list starts a new section (ps of several hosts).
std::vector<layout_item> layout_pieces(const core::chat_reply& reply) {
  std::vector<layout_item> items;
  bool first = true, after_table = false;
  for (const auto& b : reply.blocks) {
    switch (b.type) {
      case core::block::kind::text:
        add_split(items, (first ? core::mood_marker(reply.mood) : "") + b.text, after_table);
        break;
      case core::block::kind::code: {
        std::string body = b.text;
        if (body.size() > layout_text_limit - 16) {
          body = body.substr(body.size() - (layout_text_limit - 16));
          if (auto nl = body.find('\n'); nl != std::string::npos) body.erase(0, nl + 1);
        }
        add_split(items, fence(body, b.lang), false);
        break;
      }
      case core::block::kind::table:
        add_split(items, table_list(b.grid), false);
        break;
    }
    first = false;
    after_table = b.type == core::block::kind::table;
  }
  if (items.empty()) items.push_back({core::mood_marker(reply.mood) + "(nothing to show)", false});
  return items;
}
}  // namespace

std::string markdown(const core::chat_reply& reply, std::size_t limit) {
  std::string out;
  const std::string note = "\n*(output cut to fit one message)*";
  bool first = true;
  for (const auto& b : reply.blocks) {
    std::string piece;
    switch (b.type) {
      case core::block::kind::text:
        piece = (first ? mood_marker(reply.mood) : "") + b.text;
        break;
      case core::block::kind::code:
        piece = fence(b.text, b.lang);
        break;
      case core::block::kind::table:
        piece = fence(core::render_table_plain(b.grid));
        break;
    }
    if (!out.empty()) piece = "\n" + piece;
    if (out.size() + piece.size() > limit) {
      const std::size_t room =
          limit > out.size() + note.size() + 16 ? limit - out.size() - note.size() - 16 : 0;
      if (b.type != core::block::kind::text && room > 64) {
        // Logs keep their newest lines.
        std::string body =
            b.type == core::block::kind::code ? b.text : core::render_table_plain(b.grid);
        std::string tail = body.substr(body.size() - std::min(body.size(), room));
        if (auto nl = tail.find('\n'); nl != std::string::npos) tail = tail.substr(nl + 1);
        out += (out.empty() ? "" : "\n") + fence(tail);
      } else if (b.type == core::block::kind::text && room > 16) {
        out += piece.substr(0, utf8_cut(piece, room));
      }
      out += note;
      return out;
    }
    out += piece;
    first = false;
  }
  return out;
}

nlohmann::json alert_body(const core::chat_reply& reply,
                          const std::vector<std::pair<std::string, std::string>>& buttons) {
  core::chat_reply plain = reply;
  plain.mood = core::tone::info;  // the colour says it; no emoji marker inside the container
  auto body = layout_bodies(plain, {}, tone_colour(reply.mood)).front();
  if (!buttons.empty()) {
    nlohmann::json row = {{"type", 1}, {"components", nlohmann::json::array()}};
    for (const auto& [label, id] : buttons)
      row["components"].push_back({{"type", 2}, {"style", 2}, {"label", label}, {"custom_id", id}});
    body["components"][0]["components"].push_back(row);
  }
  return body;
}

std::string table_list(const core::table& t) {
  std::string out;
  for (const auto& row : t.rows) {
    if (row.empty()) continue;
    out += (out.empty() ? "- **" : "\n- **") + escape_markdown(row[0]) + "**";
    std::size_t shown = 0;
    for (std::size_t k = 1; k < row.size(); ++k) {
      if (row[k].empty()) continue;
      out +=
          (shown++ == 0 ? (t.headers.size() == 2 ? ": " : " — ") : " · ") + escape_markdown(row[k]);
    }
  }
  return out;
}

bool as_layout(const core::chat_reply& reply) {
  return reply.confirmation_id.empty() &&
         std::any_of(reply.blocks.begin(), reply.blocks.end(),
                     [](const core::block& b) { return b.type == core::block::kind::table; });
}

std::vector<nlohmann::json> layout_bodies(const core::chat_reply& reply,
                                          const std::vector<std::string>& ping_user_ids,
                                          std::optional<int> accent) {
  auto items = layout_pieces(reply);
  std::string pings;
  for (const auto& id : ping_user_ids) pings += "<@" + id + "> ";
  if (!pings.empty() && !items.empty()) items.front().text = pings + items.front().text;
  std::vector<nlohmann::json> out;
  nlohmann::json shown = nlohmann::json::array();
  std::size_t chars = 0;
  auto flush = [&] {
    if (shown.empty()) return;
    nlohmann::json container{{"type", 17}, {"components", std::move(shown)}};
    if (accent) container["accent_color"] = *accent;
    nlohmann::json body{{"flags", components_v2_flag | (reply.is_private ? ephemeral_flag : 0)},
                        {"components", nlohmann::json::array({std::move(container)})},
                        {"allowed_mentions",
                         {{"parse", nlohmann::json::array()},
                          {"users", out.empty() ? ping_user_ids : std::vector<std::string>{}}}}};
    out.push_back(std::move(body));
    shown = nlohmann::json::array();
    chars = 0;
  };
  for (auto& item : items) {
    if (shown.size() + 2 > layout_component_limit) flush();
    // A list that does not fit in what is left of this message fills it, then goes on in the
    // next (a page is never a heading alone).
    if (chars + item.text.size() > layout_text_limit) {
      const std::size_t room = layout_text_limit - chars;
      if (room >= layout_min_split && item.text.find('\n') < room) {
        shown.push_back({{"type", 10}, {"content", take_fitting(item.text, room)}});
        item.new_section = false;
      }
      flush();
    }
    if (item.new_section && !shown.empty())
      shown.push_back({{"type", 14}, {"divider", true}, {"spacing", 1}});
    chars += item.text.size();
    shown.push_back({{"type", 10}, {"content", std::move(item.text)}});
  }
  flush();
  return out;
}

std::vector<std::string> pages(const core::chat_reply& reply, std::size_t limit) {
  std::vector<std::string> out;
  std::string page;
  const std::size_t fence_cost = 10;
  auto flush = [&] {
    if (!page.empty()) out.push_back(std::move(page));
    page.clear();
  };
  bool first = true;
  for (const auto& b : reply.blocks) {
    if (b.type == core::block::kind::table) {
      // Split between rows, each page with its own code fence.
      std::string rows = core::render_table_plain(b.grid);
      std::string chunk;
      std::size_t pos = 0;
      while (pos < rows.size()) {
        auto end = rows.find('\n', pos);
        if (end == std::string::npos) end = rows.size();
        std::string line = rows.substr(pos, end - pos);
        pos = end + 1;
        if (page.size() + chunk.size() + line.size() + fence_cost + 2 > limit && !chunk.empty()) {
          page += (page.empty() ? "" : "\n") + fence(chunk);
          flush();
          chunk.clear();
        }
        chunk += (chunk.empty() ? "" : "\n") + line.substr(0, limit - fence_cost - 2);
      }
      if (!chunk.empty()) {
        if (page.size() + chunk.size() + fence_cost > limit) flush();
        page += (page.empty() ? "" : "\n") + fence(chunk);
      }
    } else {
      core::chat_reply one;
      one.mood = first ? reply.mood : core::tone::info;
      one.blocks.push_back(b);
      std::string piece = markdown(one, limit);
      if (page.size() + piece.size() + 1 > limit) flush();
      page += (page.empty() ? "" : "\n") + piece;
    }
    first = false;
  }
  flush();
  if (out.empty()) out.push_back("");
  return out;
}

std::vector<nlohmann::json> message_bodies(const core::chat_reply& reply,
                                           const std::vector<std::string>& ping_user_ids) {
  if (as_layout(reply)) return layout_bodies(reply, ping_user_ids, std::nullopt);
  std::vector<nlohmann::json> out;
  auto texts = pages(reply);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    nlohmann::json body = message_body(reply, i == 0 ? ping_user_ids : std::vector<std::string>{});
    std::string content = texts[i];
    if (i == 0)
      for (const auto& id : ping_user_ids) content = "<@" + id + "> " + content;
    if (content.size() > 2000) content.resize(utf8_cut(content, 2000));
    body["content"] = content;
    if (i > 0) body["components"] = nlohmann::json::array();
    out.push_back(std::move(body));
  }
  return out;
}

nlohmann::json pick_menu(const std::vector<std::pair<std::string, std::string>>& options,
                         bool many) {
  nlohmann::json menu{{"type", 3},
                      {"custom_id", std::string(pick_menu_id)},
                      {"placeholder", many ? "Pick one or more" : "Pick one"},
                      {"options", nlohmann::json::array()}};
  for (const auto& [label, value] : options) {
    menu["options"].push_back({{"label", label.substr(0, utf8_cut(label, 100))}, {"value", value}});
  }
  menu["min_values"] = 1;
  menu["max_values"] = many ? static_cast<int>(menu["options"].size()) : 1;
  return {{"type", 1}, {"components", nlohmann::json::array({menu})}};
}

nlohmann::json confirmation_buttons(const std::string& id, bool disabled) {
  return {{"type", 1},
          {"components",
           {{{"type", 2},
             {"style", 4},
             {"label", "Confirm"},
             {"custom_id", "wagbot:confirm:" + id},
             {"disabled", disabled}},
            {{"type", 2},
             {"style", 2},
             {"label", "Cancel"},
             {"custom_id", "wagbot:cancel:" + id},
             {"disabled", disabled}}}}};
}

nlohmann::json message_body(const core::chat_reply& reply,
                            const std::vector<std::string>& ping_user_ids) {
  std::string content = markdown(reply);
  for (const auto& id : ping_user_ids) content = "<@" + id + "> " + content;
  if (content.size() > 2000) content.resize(utf8_cut(content, 2000));
  nlohmann::json body{
      {"content", content},
      {"allowed_mentions", {{"parse", nlohmann::json::array()}, {"users", ping_user_ids}}},
      {"components", nlohmann::json::array()}};
  if (reply.is_private) body["flags"] = ephemeral_flag;
  if (!reply.confirmation_id.empty())
    body["components"].push_back(confirmation_buttons(reply.confirmation_id, false));
  return body;
}

std::optional<std::pair<std::string, bool>> parse_button(const std::string& custom_id) {
  static const std::string yes = "wagbot:confirm:", no = "wagbot:cancel:";
  if (custom_id.rfind(yes, 0) == 0 && custom_id.size() > yes.size())
    return std::pair{custom_id.substr(yes.size()), true};
  if (custom_id.rfind(no, 0) == 0 && custom_id.size() > no.size())
    return std::pair{custom_id.substr(no.size()), false};
  return std::nullopt;
}

}  // namespace wagbot::discord
