#pragma once
// Private to src/core/intents*.cpp: the word tables and text helpers the sentence reader uses.
// A clause is normalised text: lower case, single spaces, with a space at each end, so that
// " restart " matches the word and never a part of one.
#include <string>
#include <string_view>
#include <vector>

#include "wagbot/core/intents.hpp"

namespace wagbot::core::intents_words {

/// `text` lower-cased, punctuation turned into spaces, spaces collapsed, one space each end.
std::string normalise(std::string_view text);

/// Does the clause contain `phrase` (give it with its surrounding spaces)?
bool has(const std::string& s, std::string_view phrase);

/// The words of `s`, split on spaces.
std::vector<std::string> words_of(const std::string& s);

/// Words that carry no meaning in a request ("the", "please", "container", …).
bool is_filler(const std::string& word);

/// "newest", "latest", "version": words around an image's name that are not its name.
bool is_version_word(const std::string& word);

/// "it", "its", "that", "them", "one": a word that points back at something said before.
bool is_pronoun(const std::string& word);

/// Does `word` only make a request to list or browse the app marketplace ("show", "available")?
bool is_apps_word(const std::string& word);

/// A lifecycle verb phrase and the command it stands for.
struct verb_form {
  const char* phrase;   ///< " restart ", " get rid of "
  const char* command;  ///< what a person would type: "restart", "rm"
  const char* name;     ///< how a question names it: "restart", "delete"
};

/// The lifecycle verb that comes first in the clause (nullptr when none), and where it is.
const verb_form* first_verb(const std::string& clause, std::size_t& at);

/// Finds the host a clause names and cuts it out; "" when none, "all" for "on all hosts",
/// "?@a or @b" when several match equally well. With `placed_only`, only a host placed with
/// "on", "at", "from", "in" or "@" counts.
std::string find_host(std::string& clause, const std::vector<host_words>& hosts,
                      bool placed_only = false);

/// The first meaningful word after `after` in the clause (the target of a verb).
std::string target_after(const std::string& clause, std::string_view after);

/// `word` as the person typed it (values keep their case: TZ=Europe/Paris).
std::string as_typed(std::string_view original, const std::string& word);

/// Splits "A and B", "A, then B", "A; B" into clauses.
std::vector<std::string> clauses_of(const std::string& s);

}  // namespace wagbot::core::intents_words
