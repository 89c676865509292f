#include "wagbot/shell/line_editor.hpp"

#include "wagbot/core/redact.hpp"

namespace wagbot::shell {

namespace {
constexpr char ctrl(char c) {
  return static_cast<char>(c & 0x1f);
}
bool continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}
}  // namespace

line_editor::outcome line_editor::feed(char byte) {
  if (!sequence_.empty()) return escape(byte);
  return key(byte);
}

line_editor::outcome line_editor::key(char byte) {
  switch (byte) {
    case '\r':
    case '\n':
      return outcome::done;
    case ctrl('C'):
      line_.clear();
      cursor_ = 0;
      recalled_ = history_.size();
      return outcome::interrupted;
    case ctrl('D'):
      if (line_.empty()) return outcome::end_of_input;
      erase_at();
      break;
    case 0x7f:
    case ctrl('H'):
      erase_before();
      break;
    case ctrl('A'):
      cursor_ = 0;
      break;
    case ctrl('E'):
      cursor_ = line_.size();
      break;
    case ctrl('B'):
      cursor_ = previous_char(cursor_);
      break;
    case ctrl('F'):
      cursor_ = next_char(cursor_);
      break;
    case ctrl('U'):
      line_.erase(0, cursor_);
      cursor_ = 0;
      break;
    case ctrl('K'):
      line_.erase(cursor_);
      break;
    case ctrl('W'): {
      auto from = cursor_;
      while (from > 0 && line_[from - 1] == ' ') --from;
      while (from > 0 && line_[from - 1] != ' ') --from;
      line_.erase(from, cursor_ - from);
      cursor_ = from;
      break;
    }
    case ctrl('P'):
      recall(-1);
      break;
    case ctrl('N'):
      recall(1);
      break;
    case '\x1b':
      sequence_ = "\x1b";
      break;
    default:
      if (static_cast<unsigned char>(byte) >= 0x20 || byte == '\t')
        insert(byte == '\t' ? ' ' : byte);
  }
  return outcome::editing;
}

line_editor::outcome line_editor::escape(char byte) {
  sequence_.push_back(byte);
  if (sequence_ == "\x1b[" || sequence_ == "\x1bO") return outcome::editing;
  // "\x1b[3~" and the like: digits until the final byte.
  if (sequence_.size() >= 3 && byte >= '0' && byte <= '9') return outcome::editing;
  const auto seq = sequence_;
  sequence_.clear();
  if (seq == "\x1b[A" || seq == "\x1bOA")
    recall(-1);
  else if (seq == "\x1b[B" || seq == "\x1bOB")
    recall(1);
  else if (seq == "\x1b[C" || seq == "\x1bOC")
    cursor_ = next_char(cursor_);
  else if (seq == "\x1b[D" || seq == "\x1bOD")
    cursor_ = previous_char(cursor_);
  else if (seq == "\x1b[H" || seq == "\x1bOH" || seq == "\x1b[1~")
    cursor_ = 0;
  else if (seq == "\x1b[F" || seq == "\x1bOF" || seq == "\x1b[4~")
    cursor_ = line_.size();
  else if (seq == "\x1b[3~")
    erase_at();
  return outcome::editing;  // anything else is passed over
}

void line_editor::insert(char byte) {
  line_.insert(cursor_, 1, byte);
  ++cursor_;
}

std::size_t line_editor::previous_char(std::size_t at) const {
  if (at == 0) return 0;
  --at;
  while (at > 0 && continuation(line_[at])) --at;
  return at;
}

std::size_t line_editor::next_char(std::size_t at) const {
  if (at >= line_.size()) return line_.size();
  ++at;
  while (at < line_.size() && continuation(line_[at])) ++at;
  return at;
}

void line_editor::erase_before() {
  const auto from = previous_char(cursor_);
  line_.erase(from, cursor_ - from);
  cursor_ = from;
}

void line_editor::erase_at() {
  line_.erase(cursor_, next_char(cursor_) - cursor_);
}

void line_editor::recall(std::ptrdiff_t step) {
  const auto wanted = static_cast<std::ptrdiff_t>(recalled_) + step;
  if (wanted < 0 || wanted > static_cast<std::ptrdiff_t>(history_.size())) return;
  if (recalled_ == history_.size()) draft_ = line_;
  recalled_ = static_cast<std::size_t>(wanted);
  line_ = recalled_ == history_.size() ? draft_ : history_[recalled_];
  cursor_ = line_.size();
}

std::string line_editor::take() {
  auto done = std::move(line_);
  line_.clear();
  cursor_ = 0;
  draft_.clear();
  const bool blank = done.find_first_not_of(' ') == std::string::npos;
  const bool secret = core::redact(done) != done;
  if (!blank && !secret && (history_.empty() || history_.back() != done)) history_.push_back(done);
  recalled_ = history_.size();
  return done;
}

std::string line_editor::redraw(std::string_view prompt) const {
  std::string out = "\r";
  out += prompt;
  out += line_;
  out += "\x1b[K";
  std::size_t behind = 0;  // characters after the cursor
  for (std::size_t i = cursor_; i < line_.size(); ++i) behind += !continuation(line_[i]);
  if (behind > 0) out += "\x1b[" + std::to_string(behind) + "D";
  return out;
}

}  // namespace wagbot::shell
