"""The screenshots in docs/screenshots are the bot's replies of today (issue 14).

alice asks the real bot, in a direct chat, for `help`, `ps all`, a `stop` (its prompt), two
errors and `logs`; each reply's formatted_body, body and msgtype are drawn as Element draws them
(chat_page.py) and laid out by headless Chromium. The test fails when
- a page is wider than a phone: at 400 px, anything but a code block (which scrolls sideways,
  as in Element) sticks out of the window;
- a reply uses an HTML tag the Matrix spec does not list (clients drop it);
- the checked-in page docs/screenshots/<name>.html, or the index README.md, is not what the bot
  answers now: `scripts/screenshots` (WAGBOT_WRITE_SCREENSHOTS=1) writes the pages, their PNGs
  400 and 900 px wide and the index again.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

import chat_page as cp
from chat_page import Message, Shot
from wagbot_matrix import REPO, content, reaction

pytestmark = pytest.mark.timeout(180)

SHOTS = REPO / "docs" / "screenshots"
WIDTHS = (400, 900)
PHONE = 400
WRITE = os.environ.get("WAGBOT_WRITE_SCREENSHOTS") == "1"
REFRESH = "run scripts/screenshots to refresh"


class Conversation:
    """alice's direct chat with the bot, each exchange as chat_page messages."""

    def __init__(self, w, room: str) -> None:
        self.w, self.room = w, room
        self.norm = cp.Normaliser()
        self.foreign: list[str] = []

    def ask(self, text: str) -> tuple[list[Message], dict]:
        asked = Message("alice", text)
        reply = self.w.bot.ask(self.w.alice, self.room, text)
        c = content(reply)
        formatted = c.get("formatted_body") if c.get("format") == "org.matrix.custom.html" else None
        if formatted is not None and (tags := cp.foreign_tags(formatted)):
            self.foreign.append(f"`{text}`: {sorted(tags)}")
        answer = Message("wagbot", self.norm(c.get("body", "")), self.norm(formatted),
                         c.get("msgtype", ""), reply_to=asked)
        return [asked, answer], reply


def converse(w, room: str) -> tuple[list[Shot], list[str]]:
    talk = Conversation(w, room)
    shots = []

    said, _ = talk.ask("help")
    shots.append(Shot("help", "`help`: every command", said))

    said, _ = talk.ask("ps all")
    shots.append(Shot("ps-all", "`ps all`: the containers of every host alice holds a key for", said))

    talk.ask("default nas")  # alice holds keys for both hosts: the rest is about @nas
    said, prompt = talk.ask("stop nginx")
    # The prompt as alice first sees it: with the bot's ✅ and ❌ under it.
    for key in ("✅", "❌"):
        w.alice.wait_for(reaction(room, target=prompt["event_id"], key=key, sender=w.bot.user_id))
    said[-1].reactions = ["✅", "❌"]
    shots.append(Shot("prompt", "`stop nginx`: a destructive command asks first", said))

    typo, _ = talk.ask("restart ngnix")
    w.ctl.exit_on_start("nas", container="redis", logs=["redis: bad maxmemory value"])
    crash, _ = talk.ask("start redis")
    shots.append(Shot("error", "errors: a typo, and a container that exits right after its start",
                      typo + crash))

    said, _ = talk.ask("logs nginx 12")
    shots.append(Shot("logs", "`logs nginx 12`: the last lines as a code block", said))
    return shots, talk.foreign


def index(shots: list[Shot]) -> str:
    """docs/screenshots/README.md."""
    lines = [
        "# wagbot on Matrix: screenshots",
        "",
        "Real replies of the bot (`tests/e2e_matrix/test_mx_screenshots.py`: a real Synapse, the",
        "WAGMIOS simulator, alice in a direct chat with the bot), drawn with a small stylesheet after",
        "Element Web's light theme (`tests/e2e_matrix/chat_page.py`) by headless Chromium, 400 px",
        "(a phone) and 900 px wide. Container ids, confirmation ids and log timestamps are replaced",
        "by fixed stand-ins. Each `<name>.html` is the page drawn; the Matrix suite checks that it",
        "is still what the bot answers, and that nothing but a code block is wider than 400 px.",
        "",
        "Refresh after changing a reply: `scripts/screenshots`.",
        "",
    ]
    for s in shots:
        lines += [f"## {s.title}", "",
                  f"[{s.name}.html]({s.name}.html)", "",
                  f'<img src="{s.name}-400.png" width="400" alt="{s.name}, 400 px wide"> '
                  f'<img src="{s.name}-900.png" width="900" alt="{s.name}, 900 px wide">', ""]
    return "\n".join(lines)


def stale(path: Path, want: str) -> str | None:
    """Why the checked-in `path` is not `want`, or None."""
    if not path.exists():
        return f"{path.relative_to(REPO)} is missing"
    have = path.read_text()
    if have == want:
        return None
    # A reply's HTML is one line: one line per block (list item, line break, message) to compare.
    lines = lambda text: re.sub(r"(</li>|<br>|</p>|</div>|</template>)", r"\1\n", text).splitlines()
    diff = difflib.unified_diff(lines(have), lines(want), "checked in", "bot now", lineterm="", n=1)
    return f"{path.relative_to(REPO)} differs:\n" + "\n".join(list(diff)[:40])


def test_the_screenshots_are_the_bots_replies_and_fit_a_phone(make_world, tmp_path):
    cp.chromium_path()
    w = make_world(start=False)
    w.bot.grant("alice", "media")  # `ps all` shows both hosts
    w.bot.start()
    room = w.bot.dm(w.alice)
    shots, foreign = converse(w, room)
    pages = {s.name: cp.page(s) for s in shots}
    for name, html in pages.items():
        (tmp_path / f"{name}.html").write_text(html)

    with cp.Chromium() as chromium:
        too_wide = []
        for name in pages:
            m = chromium.measure(tmp_path / f"{name}.html", PHONE)
            assert m["viewport"] == PHONE, m
            if m["scroll_width"] > PHONE or m["wide"]:
                parts = ", ".join(f"<{e['tag']}> {e['width']} px ({e['text']!r})" for e in m["wide"][:5])
                too_wide.append(f"{name}: {m['scroll_width']} px wide at {PHONE} px: {parts}")

        if WRITE:
            SHOTS.mkdir(parents=True, exist_ok=True)
            for old in [*SHOTS.glob("*.html"), *SHOTS.glob("*.png")]:
                old.unlink()
            for name, html in pages.items():
                (SHOTS / f"{name}.html").write_text(html)
                for wd in WIDTHS:
                    chromium.screenshot(SHOTS / f"{name}.html", SHOTS / f"{name}-{wd}.png", wd)
            (SHOTS / "README.md").write_text(index(shots))
            problems = []
        else:
            problems = [why for name, html in pages.items()
                        if (why := stale(SHOTS / f"{name}.html", html))]
            if why := stale(SHOTS / "README.md", index(shots)):
                problems.append(why)
            extra = sorted(p.name for p in SHOTS.glob("*.html") if p.stem not in pages)
            if extra:
                problems.append(f"pages no screenshot has: {extra}")
            missing = [f"{n}-{wd}.png" for n in pages for wd in WIDTHS
                       if not (SHOTS / f"{n}-{wd}.png").exists()]
            if missing:
                problems.append(f"missing: {missing}")

    if too_wide:
        pytest.fail("wider than a phone:\n" + "\n".join(too_wide), pytrace=False)
    if foreign:
        pytest.fail("HTML tags the Matrix spec does not list: " + "; ".join(foreign), pytrace=False)
    if problems:
        pytest.fail(f"docs/screenshots is stale ({REFRESH}):\n" + "\n\n".join(problems), pytrace=False)
