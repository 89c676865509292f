#pragma once
// Private to src/core/intents*.cpp: one clause of a sentence and the readers that place it.
// intents_clause.cpp reads requests (hosts, lifecycle, logs, installs, images, listings) and
// puts a clause together; intents_questions.cpp reads questions (health, hosts, scopes, alerts,
// audit, help) and says what to ask back.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/core/intents.hpp"

namespace wagbot::core::intents_clause {

struct clause_result {
  std::optional<action> act;
  std::string question;
  bool understood = false;
};

/// A clause read as a question to ask back / as one action.
clause_result ask(std::string question);
clause_result done(action a);

/// A question when `target` is not one named container, for a verb that needs one.
std::optional<clause_result> missing_target(const std::string& verb, const std::string& target);

/// Is any of `phrases` (each with its surrounding spaces) in the clause?
bool any_of(const std::string& clause, std::initializer_list<std::string_view> phrases);

/// A reader: nullopt when the clause is not its kind of request, so the next one is tried;
/// `a` already carries the host. `original` is the line as typed (values keep their case).
using reader = std::optional<clause_result> (*)(const std::string& clause,
                                                std::string_view original, action a);

// Questions and the words about hosts, alerts, the audit and help (intents_questions.cpp).
std::optional<clause_result> read_help(const std::string&, std::string_view, action);
std::optional<clause_result> read_key(const std::string&, std::string_view, action);
std::optional<clause_result> read_alerts(const std::string&, std::string_view, action);
std::optional<clause_result> read_template(const std::string&, std::string_view, action);
std::optional<clause_result> read_audit(const std::string&, std::string_view, action);
std::optional<clause_result> read_hosts(const std::string&, std::string_view, action);
std::optional<clause_result> read_scopes(const std::string&, std::string_view, action);
std::optional<clause_result> read_health(const std::string&, std::string_view, action);
std::optional<clause_result> read_system(const std::string&, std::string_view, action);
std::optional<clause_result> read_activity(const std::string&, std::string_view, action);
std::optional<clause_result> read_default(const std::string&, std::string_view, action);

/// One clause: its host (or the previous clause's), pronouns resolved against `last`, then the
/// first reader that places it.
clause_result one_clause(std::string clause, std::string_view original,
                         const std::vector<host_words>& hosts, const grammar& g,
                         const action& last);

}  // namespace wagbot::core::intents_clause
