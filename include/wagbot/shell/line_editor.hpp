#pragma once
// Line editing for `wagbot shell` on a terminal: the keys of a readline-style prompt (arrows,
// Home/End, Ctrl-A/E/B/F/U/K/W/D, Backspace, Delete) and a history walked with ↑/↓. A pure
// state machine fed one byte at a time, so it is tested without a terminal; terminal.cpp puts
// the terminal in raw mode and draws what redraw() says.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wagbot::shell {

class line_editor {
 public:
  enum class outcome { editing, done, end_of_input, interrupted };

  /// Takes one byte of input; escape sequences and UTF-8 characters span several calls.
  outcome feed(char byte);
  /// The line being edited, and the cursor in it (a byte offset at a character's start).
  const std::string& line() const { return line_; }
  std::size_t cursor() const { return cursor_; }
  /// The finished line (after `done`): kept in the history unless it is empty, repeats the
  /// last entry or holds a secret (a WAGMIOS key is never recalled by ↑); the editor starts
  /// a new line.
  std::string take();
  const std::vector<std::string>& history() const { return history_; }
  /// What brings the terminal's line up to date: back to its start, the prompt and the line,
  /// the rest of the row cleared, the cursor moved back to its place.
  std::string redraw(std::string_view prompt) const;

 private:
  outcome key(char byte);
  outcome escape(char byte);
  void insert(char byte);
  void erase_before();
  void erase_at();
  void recall(std::ptrdiff_t step);
  std::size_t previous_char(std::size_t at) const;
  std::size_t next_char(std::size_t at) const;

  std::string line_;
  std::size_t cursor_ = 0;
  std::vector<std::string> history_;
  std::size_t recalled_ = 0;  ///< history_.size() while editing a new line
  std::string draft_;         ///< the new line, kept while the history is walked
  std::string sequence_;      ///< an escape sequence being read ("\x1b[", "\x1b[3")
};

}  // namespace wagbot::shell
