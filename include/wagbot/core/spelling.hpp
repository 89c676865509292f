#pragma once
// "Did you mean …?": how far one word is from another, which names a mistyped one most likely
// meant, and how the choices are written. One rule for hosts, containers, apps and commands.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wagbot::core {

/// `text` in lower case (ASCII): names are compared without case.
std::string lowered(std::string_view text);

/// How many one-letter edits (insert, delete, replace, or swap of two neighbours) turn `a` into
/// `b`: "nsa" is one from "nas".
std::size_t edit_distance(std::string_view a, std::string_view b);

/// A name that can be meant, and the forms it can be typed as (the name itself, the parts of a
/// compose name, an app's display name).
struct spelling {
  std::string name;
  std::vector<std::string> forms;
};

/// A name near what was typed, and how near (0: a form holds the typed word whole).
struct near_name {
  std::string name;
  std::size_t distance = 0;
};

/// Up to `most` names a word most likely meant, nearest first (ties in the candidates' order):
/// a form within one edit (two for words over five letters), case ignored, or a form that holds
/// the word whole when it has three letters or more. Empty when nothing is that near.
std::vector<near_name> nearest(std::string_view typed, const std::vector<spelling>& candidates,
                               std::size_t most = 3);

/// The one name a word most likely meant: the nearest, when no other is as near; else empty.
std::string the_one_meant(std::string_view typed, const std::vector<spelling>& candidates);

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
std::string choices(const std::vector<near_name>& names);

}  // namespace wagbot::core
