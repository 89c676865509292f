#include "wagbot/matrix/render.hpp"

#include <doctest/doctest.h>

using namespace wagbot;

TEST_SUITE("matrix") {
  TEST_CASE("an answer is an m.text with HTML, a plain body and m.mentions; an alert a notice") {
    core::chat_reply r;
    r.mood = core::tone::success;
    r.text("`nginx` <restarted> on @nas");
    auto c = matrix::render(r);
    CHECK(c["msgtype"] == "m.text");
    CHECK(matrix::render(r, {}, 1024, matrix::message_kind::notice)["msgtype"] == "m.notice");
    CHECK(c["format"] == "org.matrix.custom.html");
    CHECK(c["body"] == "✅ `nginx` <restarted> on @nas");
    CHECK(c["formatted_body"] == "✅ <code>nginx</code> &lt;restarted&gt; on @nas");
    CHECK(c["m.mentions"] == nlohmann::json::object());
    auto with = matrix::render(r, {"@alice:localhost"});
    CHECK(with["m.mentions"]["user_ids"][0] == "@alice:localhost");
  }

  TEST_CASE("tables become lists that fit a phone, code becomes <pre><code>, both escaped") {
    core::chat_reply r;
    r.add_table(
        {{"name", "status", "image", "ports"},
         {{"<x>", "● running", "nginx:alpine", ""}, {"db", "○ exited", "postgres:16", "5432"}}});
    r.code("line <1>\nline 2");
    auto html = matrix::render(r)["formatted_body"].get<std::string>();
    CHECK(html.find("<ul><li><b>&lt;x&gt;</b> — ● running · nginx:alpine</li>"
                    "<li><b>db</b> — ○ exited · postgres:16 · 5432</li></ul>") !=
          std::string::npos);
    CHECK(html.find("<pre><code>line &lt;1&gt;\nline 2</code></pre>") != std::string::npos);
    auto body = matrix::render(r)["body"].get<std::string>();
    // Read in any font: no columns padded with spaces.
    CHECK(body.starts_with(
        "• <x> — ● running · nginx:alpine\n• db — ○ exited · postgres:16 · 5432\n"));
    // Two columns read as "field: value".
    core::chat_reply two;
    two.add_table({{"field", "value"}, {{"image", "`nginx:alpine`"}}});
    CHECK(matrix::render(two)["body"] == "• image: `nginx:alpine`");
    CHECK(matrix::render(two)["formatted_body"] ==
          "<ul><li><b>image</b>: <code>nginx:alpine</code></li></ul>");
  }

  TEST_CASE("long output is cut to fit one event, keeping the newest log lines, with a note") {
    core::chat_reply r;
    r.text("Last 1000 lines:");
    std::string logs;
    for (int i = 0; i < 5000; ++i) logs += "log line number " + std::to_string(i) + "\n";
    r.code(logs);
    auto c = matrix::render(r, {}, 4096);
    const auto html = c["formatted_body"].get<std::string>();
    const auto body = c["body"].get<std::string>();
    CHECK(html.size() < 4096 + 256);
    CHECK(body.size() < 4096 + 256);
    CHECK(html.find("log line number 4999") != std::string::npos);
    CHECK(html.find("log line number 0\n") == std::string::npos);
    CHECK(body.find("output cut to fit one message") != std::string::npos);
  }

  TEST_CASE("inline text: code spans, an unmatched backtick, line breaks, escapes") {
    using wagbot::matrix::inline_html;
    CHECK(inline_html("a`b") == "a<code>b</code>");
    CHECK(inline_html("a`") == "a<code></code>");
    CHECK(inline_html("``") == "<code></code>");
    CHECK(inline_html("x\n`y\nz` w") == "x<br><code>y<br>z</code> w");
    CHECK(inline_html("<&>'\"") == "&lt;&amp;&gt;&#39;&quot;");
    CHECK(wagbot::matrix::html_escape("a\n<b>") == "a\n&lt;b&gt;");
  }
}
