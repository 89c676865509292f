#pragma once
// Pure decisions taken before any WAGMIOS call: protected containers, scopes, confirmation,
// and who may resolve a confirmation. Inputs in, verdict out; no I/O, `now` is a parameter.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/core/action.hpp"
#include "wagbot/core/command_spec.hpp"
#include "wagbot/core/spelling.hpp"
#include "wagbot/protocol/wagmios.hpp"

namespace wagbot::core {

/// Containers that must never be stopped, restarted or deleted (the skill's safeguard).
struct protection {
  std::vector<std::string> names{"wagmios-backend", "wagmios-frontend"};
  /// True when `target` names a protected container (in any letter case), or is an id prefix
  /// (≥ 3 chars) of one in `known` (the host's container list, when it was fetched).
  bool covers(std::string_view target, const std::vector<protocol::container>& known = {}) const;
};

/// Why `target` cannot be a container's name or id as typed, or nothing when it can. Docker
/// resolves other spellings — a leading `/`, path separators, percent escapes, control
/// characters — to a container too, so such an argument never reaches a host: a name or id
/// is letters, digits, `_`, `.` and `-`, starting with a letter or digit.
std::optional<std::string> malformed_container(std::string_view target);

/// True when `target` could be a (prefix of a) container id: hex digits only.
bool could_be_id(std::string_view target);

/// Commands whose target must never be a protected container.
bool modifies_container(const command_spec& spec);

/// Containers `wanted` names, as the docker CLI resolves them plus unique name prefixes: an
/// exact name or id wins; otherwise every container whose name, or id (from 3 characters),
/// starts with it.
std::vector<protocol::container> match_containers(const std::vector<protocol::container>& all,
                                                  std::string_view wanted);

/// For a name that matches nothing: up to three containers it most likely meant (a typo of the
/// name or of a part of it, or a part of the name: "backend" → wagmios-backend), nearest first.
std::vector<near_name> closest_containers(const std::vector<protocol::container>& all,
                                          std::string_view wanted);

/// True when `spec` may not act on `target` (what was typed, or the container it resolved to,
/// checked against the host's list `known` when there is one).
bool refuses_target(const command_spec& spec, const protection& guard, std::string_view target,
                    const std::vector<protocol::container>& known = {});

/// The id-prefix rule: a key that cannot list containers cannot prove that an id prefix is not
/// a system container, so a modifying command given something that could be an id, and not
/// resolved to a container, is refused (a name cannot be mistaken for an id).
bool unverifiable_id(const command_spec& spec, std::string_view literal, bool resolved);

/// The refusal text for a protected container.
std::string protected_text(std::string_view name);

enum class verdict { allow, refuse_protected, refuse_scope, confirm };

struct decision {
  verdict outcome = verdict::allow;
  std::string reason;  ///< user-facing text for refusals
};

/// The checks in order: protected target, scope (when the key's scopes are known), destructive.
decision check(const command_spec& spec, const action& act, const protection& guard,
               const std::optional<protocol::key_info>& key,
               const std::vector<protocol::container>& known = {}, std::string_view host = "");

/// The message for a missing scope: which one, and how its owner enables it.
std::string missing_scope_text(std::string_view scope, std::string_view host);

/// What a resolve request does to a confirmation.
enum class resolution { run, cancel, expired, not_yours, already_resolved };

/// State of a confirmation as the decision needs it.
struct confirmation_facts {
  std::string requester;
  std::vector<std::string> approvers;  ///< empty: the requester only
  std::int64_t expires_at = 0;
  bool pending = true;
  bool requester_is_agent = false;  ///< an agent never says yes to its own request
};

/// The one rule of who may answer a confirmation: with approvers, only they may say yes (never
/// the requester itself, whatever the config lists) and the requester may still withdraw; an
/// agent's request without approvers can be answered by nobody but a no from the agent;
/// otherwise only the requester.
bool may_resolve(const confirmation_facts& facts, const std::string& actor, bool accept);

/// Decides what `actor` saying yes (accept) or no does to the confirmation at `now`.
/// Approvers (for agents) decide alone; the requester may always cancel its own request.
resolution resolve(const confirmation_facts& facts, const std::string& actor, std::int64_t now,
                   bool accept);

}  // namespace wagbot::core
