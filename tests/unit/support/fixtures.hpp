#pragma once
// Captured protocol answers: the text of tests/unit/fixtures/<folder>/<name>.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace wagbot::test {

inline std::string fixture_text(const std::string& folder, const std::string& name) {
  const auto path = std::filesystem::path(WAGBOT_FIXTURES) / folder / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace wagbot::test
