#include "wagbot/core/spelling.hpp"

#include <algorithm>
#include <cctype>

namespace wagbot::core {

std::string lowered(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: Levenshtein plus the swap of two neighbouring letters, on three
  // rows (the swap looks two rows back).
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      row[j] =
          std::min({prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        row[j] = std::min(row[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, row);
  }
  return prev[b.size()];
}

std::vector<near_name> nearest(std::string_view typed, const std::vector<spelling>& candidates,
                               std::size_t most) {
  const auto want = lowered(typed);
  if (want.empty()) return {};
  const std::size_t allowed = want.size() <= 5 ? 1 : 2;  // "media" is two edits from "redis"
  std::vector<near_name> out;
  for (const auto& c : candidates) {
    std::size_t best = allowed + 1;
    for (const auto& form : c.forms) {
      const auto f = lowered(form);
      best = std::min(best, want.size() >= 3 && f.find(want) != std::string::npos
                                ? std::size_t{0}
                                : edit_distance(want, f));
    }
    if (best <= allowed) out.push_back({c.name, best});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.distance < b.distance; });
  if (out.size() > most) out.resize(most);
  return out;
}

std::string the_one_meant(std::string_view typed, const std::vector<spelling>& candidates) {
  const auto near = nearest(typed, candidates, 2);
  if (near.empty() || (near.size() == 2 && near[1].distance == near[0].distance)) return {};
  return near.front().name;
}

std::string choices(const std::vector<near_name>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "`" : i + 1 == names.size() ? " or `" : ", `") + names[i].name + "`";
  return out;
}

}  // namespace wagbot::core
