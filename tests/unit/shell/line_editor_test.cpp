#include "wagbot/shell/line_editor.hpp"

#include <doctest/doctest.h>

using wagbot::shell::line_editor;
using outcome = line_editor::outcome;

namespace {
/// Feeds every byte; the outcome of the last one.
outcome type(line_editor& e, std::string_view keys) {
  auto last = outcome::editing;
  for (char c : keys) last = e.feed(c);
  return last;
}
}  // namespace

TEST_SUITE("shell") {
  TEST_CASE("typing, moving and erasing inside a line") {
    line_editor e;
    type(e, "restart ngnx");
    CHECK(e.line() == "restart ngnx");
    type(e, "\x1b[D\x1b[D");  // ← ←
    type(e, "i");
    CHECK(e.line() == "restart nginx");
    type(e, "\x01");  // Ctrl-A
    CHECK(e.cursor() == 0);
    type(e, "\x1b[3~");  // Delete
    CHECK(e.line() == "estart nginx");
    type(e, "r\x05");  // back, then Ctrl-E
    CHECK(e.cursor() == e.line().size());
    type(e, "\x17");  // Ctrl-W: the word before the cursor
    CHECK(e.line() == "restart ");
    type(e, "\x7f\x7f");  // Backspace
    CHECK(e.line() == "restar");
    type(e, "\x02\x02\x0b");  // Ctrl-B twice, Ctrl-K
    CHECK(e.line() == "rest");
    type(e, "\x15");  // Ctrl-U
    CHECK(e.line().empty());
  }

  TEST_CASE("UTF-8 characters move and erase whole, and the redraw puts the cursor back") {
    line_editor e;
    type(e, "café ok");
    type(e, "\x1b[D\x1b[D\x1b[D");
    CHECK(e.redraw("> ") == "\r> café ok\x1b[K\x1b[3D");
    type(e, "\x7f");  // erases the é, both of its bytes
    CHECK(e.line() == "caf ok");
    CHECK(e.redraw("> ") == "\r> caf ok\x1b[K\x1b[3D");
  }

  TEST_CASE("enter finishes a line; the history is walked with up and down") {
    line_editor e;
    CHECK(type(e, "ps\r") == outcome::done);
    CHECK(e.take() == "ps");
    type(e, "hosts\n");
    e.take();
    type(e, "hosts\n");  // a repeat is kept once
    e.take();
    CHECK(e.history() == std::vector<std::string>{"ps", "hosts"});
    type(e, "draft");
    type(e, "\x1b[A");
    CHECK(e.line() == "hosts");
    type(e, "\x1b[A\x1b[A");  // past the oldest: stays
    CHECK(e.line() == "ps");
    type(e, "\x1b[B\x1b[B");  // back down to the line being written
    CHECK(e.line() == "draft");
  }

  TEST_CASE("a line holding a key is never kept for recall; Ctrl-C and Ctrl-D") {
    line_editor e;
    type(e, "key add nas wag_live_" + std::string(44, 'x') + "\r");
    CHECK(e.take().starts_with("key add nas wag_live_"));
    CHECK(e.history().empty());
    type(e, "stop nginx");
    CHECK(type(e, "\x03") == outcome::interrupted);
    CHECK(e.line().empty());
    CHECK(type(e, "\x04") == outcome::end_of_input);  // on an empty line only
    type(e, "ab\x01");
    CHECK(type(e, "\x04") == outcome::editing);  // otherwise: delete at the cursor
    CHECK(e.line() == "b");
  }
}
