#include "wagbot/app/ports.hpp"

namespace wagbot::app {

namespace {
std::vector<core::journal_entry> entries(std::vector<store::inbox_entry> rows) {
  std::vector<core::journal_entry> out;
  out.reserve(rows.size());
  for (auto& r : rows)
    out.push_back(
        {std::move(r.network), std::move(r.event_id), std::move(r.room), std::move(r.payload)});
  return out;
}

std::optional<core::offered_action> offered(std::optional<store::alert_action_row> row) {
  if (!row) return std::nullopt;
  return core::offered_action{row->id,
                              std::move(row->network),
                              std::move(row->room),
                              std::move(row->message),
                              std::move(row->label),
                              std::move(row->emoji),
                              std::move(row->command)};
}
}  // namespace

bool journal_port::add(const core::journal_entry& e, std::int64_t now) {
  return inbox_.add({e.network, e.event_id, e.room, e.payload}, now);
}

bool journal_port::add_started(const core::journal_entry& e, std::int64_t now) {
  return inbox_.add({e.network, e.event_id, e.room, e.payload}, now, "started");
}

std::vector<core::journal_entry> journal_port::queued(const std::string& network) {
  return entries(inbox_.queued(network));
}

std::vector<core::journal_entry> journal_port::interrupted(const std::string& network) {
  return entries(inbox_.interrupted(network));
}

std::optional<core::offered_action> action_port::get(std::int64_t id) {
  return offered(actions_.get(id));
}

std::optional<core::offered_action> action_port::find(const std::string& network,
                                                      const std::string& room,
                                                      const std::string& message,
                                                      const std::string& emoji) {
  return offered(actions_.find(network, room, message, emoji));
}

}  // namespace wagbot::app
