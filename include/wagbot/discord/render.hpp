#pragma once
// chat_reply → a Discord message body: markdown within the 2000-character limit (tables and
// logs as code blocks), no pings unless meant, private replies ephemeral, confirmation buttons.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wagbot/core/reply.hpp"

namespace wagbot::discord {

constexpr int ephemeral_flag = 64;

/// The markdown text of a reply, cut to `limit` characters with a note when longer.
std::string markdown(const core::chat_reply& reply, std::size_t limit = 2000);

/// A long reply as several messages, each within `limit`: tables are split between rows (and
/// stay whole across pages); logs keep their newest lines; text is cut with a note.
std::vector<std::string> pages(const core::chat_reply& reply, std::size_t limit = 2000);

/// The message bodies of a long reply: the first carries the buttons; every one the flags.
/// A listing is a Components V2 layout (as_layout).
std::vector<nlohmann::json> message_bodies(const core::chat_reply& reply,
                                           const std::vector<std::string>& ping_user_ids = {});

/// The message body: content, allowed_mentions (only `ping_user_ids`), flags, and for a
/// confirmation the Confirm/Cancel buttons (`disabled` once resolved).
nlohmann::json message_body(const core::chat_reply& reply,
                            const std::vector<std::string>& ping_user_ids = {});

/// Message flag IS_COMPONENTS_V2: the message is a layout of components (no content, no embeds).
constexpr int components_v2_flag = 1 << 15;

/// A table as a markdown list, one line a row: "- **first cell** — the others · …".
std::string table_list(const core::table& t);

/// Whether a reply is shown as a Components V2 layout: a listing (it holds a table) that asks
/// nothing; such a list reads better than a monospace table, on a phone above all.
bool as_layout(const core::chat_reply& reply);

/// A reply as Components V2 messages: a container (accented when `accent` is given) of text
/// displays, tables as lists; split into several messages past 4000 characters or 40
/// components. The first pings `ping_user_ids`.
std::vector<nlohmann::json> layout_bodies(const core::chat_reply& reply,
                                          const std::vector<std::string>& ping_user_ids,
                                          std::optional<int> accent);

/// An alert: a Components V2 container accented by its tone, its text, and a row of buttons
/// (custom ids given).
nlohmann::json alert_body(const core::chat_reply& reply,
                          const std::vector<std::pair<std::string, std::string>>& buttons);

/// The custom id of the select menu that offers a question's answers (core::chat_reply::picks).
constexpr std::string_view pick_menu_id = "wagbot:pick";

/// How many options a select menu may hold.
constexpr std::size_t max_select_options = 25;

/// The action row of a select menu of a question's answers, (label, value) each (at most
/// max_select_options, which the caller keeps to); several may be picked at once when `many`.
nlohmann::json pick_menu(const std::vector<std::pair<std::string, std::string>>& options,
                         bool many);

/// The action row of a confirmation: danger Confirm, secondary Cancel.
nlohmann::json confirmation_buttons(const std::string& id, bool disabled);

/// "wagbot:confirm:<id>" → (id, true); "wagbot:cancel:<id>" → (id, false).
std::optional<std::pair<std::string, bool>> parse_button(const std::string& custom_id);

}  // namespace wagbot::discord
