#include "wagbot/core/policy.hpp"

#include "wagbot/core/redact.hpp"

#include <algorithm>

namespace wagbot::core {

bool protection::covers(std::string_view target,
                        const std::vector<protocol::container>& known) const {
  // Docker's own form of a name starts with `/`: "/wagmios-backend" is the backend too.
  auto bare = [](std::string_view name) {
    while (name.starts_with('/')) name.remove_prefix(1);
    return lowered(name);
  };
  const auto wanted = bare(target);
  if (wanted.empty()) return false;
  auto is_protected = [&](std::string_view name) {
    return std::any_of(names.begin(), names.end(),
                       [&](const auto& n) { return lowered(n) == bare(name); });
  };
  if (is_protected(wanted)) return true;
  if (wanted.size() < 3) return false;
  for (const auto& c : known)
    if (is_protected(c.name) && lowered(c.id).starts_with(wanted)) return true;
  return false;
}

std::optional<std::string> malformed_container(std::string_view target) {
  auto plain = [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; };
  const bool ok = !target.empty() && std::isalnum(static_cast<unsigned char>(target.front())) &&
                  std::all_of(target.begin(), target.end(),
                              [&](char c) { return plain(static_cast<unsigned char>(c)); });
  if (ok) return std::nullopt;
  std::string shown;
  for (unsigned char c : target) shown += std::iscntrl(c) ? '?' : static_cast<char>(c);
  return "`" + redact(shown) +
         "` is not a container name or id: those are letters, digits, `_`, `.` and `-`, "
         "starting with a letter or digit. Nothing was sent to the host.";
}

bool could_be_id(std::string_view target) {
  return !target.empty() && std::all_of(target.begin(), target.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
  });
}

bool modifies_container(const command_spec& spec) {
  return spec.targets_container && spec.name != "inspect" && spec.name != "logs" &&
         spec.name != "start";
}

std::vector<protocol::container> match_containers(const std::vector<protocol::container>& all,
                                                  std::string_view wanted) {
  for (const auto& c : all)
    if (c.name == wanted || c.id == wanted) return {c};
  std::vector<protocol::container> out;
  for (const auto& c : all)
    if (c.name.starts_with(wanted) || (wanted.size() >= 3 && c.id.starts_with(wanted)))
      out.push_back(c);
  return out;
}

std::vector<near_name> closest_containers(const std::vector<protocol::container>& all,
                                          std::string_view wanted) {
  std::vector<spelling> names;
  for (const auto& c : all) {
    // The name, and each part of a compose name ("jellyfin" in media-jellyfin-1).
    spelling s{c.name, {c.name}};
    std::size_t start = 0;
    for (std::size_t i = 0; i <= c.name.size(); ++i)
      if (i == c.name.size() || c.name[i] == '-' || c.name[i] == '_' || c.name[i] == '.') {
        s.forms.push_back(c.name.substr(start, i - start));
        start = i + 1;
      }
    names.push_back(std::move(s));
  }
  return nearest(wanted, names);
}

bool refuses_target(const command_spec& spec, const protection& guard, std::string_view target,
                    const std::vector<protocol::container>& known) {
  return modifies_container(spec) && guard.covers(target, known);
}

bool unverifiable_id(const command_spec& spec, std::string_view literal, bool resolved) {
  return modifies_container(spec) && !resolved && could_be_id(literal);
}

std::string protected_text(std::string_view name) {
  return "`" + std::string(name) +
         "` is a WAGMIOS system container; wagbot never stops, restarts or deletes it.";
}

std::string missing_scope_text(std::string_view scope, std::string_view host) {
  std::string where = host.empty() ? std::string("this host") : "@" + std::string(host);
  return "Your key for " + where + " lacks the `" + std::string(scope) +
         "` scope. Its owner can enable it in WAGMIOS Settings → Agent Permissions, or issue you "
         "a new key with that scope (then `key add` it again).";
}

decision check(const command_spec& spec, const action& act, const protection& guard,
               const std::optional<protocol::key_info>& key,
               const std::vector<protocol::container>& known, std::string_view host) {
  if (!act.args.empty() && refuses_target(spec, guard, act.args[0], known))
    return {verdict::refuse_protected, protected_text(act.args[0])};
  if (!spec.scope.empty() && key && !key->has_scope(spec.scope))
    return {verdict::refuse_scope, missing_scope_text(spec.scope, host)};
  // A model's plan is only a suggestion: whatever it would change waits for a yes too.
  if (spec.destructive || (act.planned && spec.writes())) return {verdict::confirm, {}};
  return {verdict::allow, {}};
}

bool may_resolve(const confirmation_facts& facts, const std::string& actor, bool accept) {
  const bool requester = actor == facts.requester;
  if (requester) return !accept || (facts.approvers.empty() && !facts.requester_is_agent);
  return std::find(facts.approvers.begin(), facts.approvers.end(), actor) != facts.approvers.end();
}

resolution resolve(const confirmation_facts& facts, const std::string& actor, std::int64_t now,
                   bool accept) {
  if (!facts.pending) return resolution::already_resolved;
  if (now >= facts.expires_at) return resolution::expired;
  if (!may_resolve(facts, actor, accept)) return resolution::not_yours;
  return accept ? resolution::run : resolution::cancel;
}

}  // namespace wagbot::core
