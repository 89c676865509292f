#include "wagbot/core/policy.hpp"

#include <algorithm>

namespace wagbot::core {

bool protection::covers(std::string_view target, const std::vector<protocol::container>& known) const {
  if (target.empty()) return false;
  for (const auto& name : names)
    if (target == name) return true;
  if (target.size() < 3) return false;
  for (const auto& c : known) {
    const bool is_protected = std::find(names.begin(), names.end(), c.name) != names.end();
    if (is_protected && c.id.rfind(target, 0) == 0) return true;
  }
  return false;
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

std::string missing_scope_text(std::string_view scope, std::string_view host) {
  std::string where = host.empty() ? std::string("this host") : "@" + std::string(host);
  return "Your key for " + where + " lacks the `" + std::string(scope) +
         "` scope. Its owner can enable it in WAGMIOS Settings → Agent Permissions, or issue you "
         "a new key with that scope (then `key add` it again).";
}

decision check(const command_spec& spec, const action& act, const protection& guard,
               const std::optional<protocol::key_info>& key,
               const std::vector<protocol::container>& known, std::string_view host) {
  if (modifies_container(spec) && !act.args.empty() && guard.covers(act.args[0], known))
    return {verdict::refuse_protected,
            "`" + act.args[0] + "` is a WAGMIOS system container; wagbot never stops, restarts or "
            "deletes it."};
  if (!spec.scope.empty() && key && !key->has_scope(spec.scope))
    return {verdict::refuse_scope, missing_scope_text(spec.scope, host)};
  if (spec.destructive) return {verdict::confirm, {}};
  return {verdict::allow, {}};
}

resolution resolve(const confirmation_facts& facts, const std::string& actor, std::int64_t now,
                   bool accept) {
  if (!facts.pending) return resolution::already_resolved;
  if (now >= facts.expires_at) return resolution::expired;
  const bool approver = std::find(facts.approvers.begin(), facts.approvers.end(), actor) !=
                        facts.approvers.end();
  const bool requester = actor == facts.requester;
  if (facts.approvers.empty()) {
    if (!requester) return resolution::not_yours;
  } else if (!approver && !(requester && !accept)) {
    return resolution::not_yours;
  }
  return accept ? resolution::run : resolution::cancel;
}

}  // namespace wagbot::core
