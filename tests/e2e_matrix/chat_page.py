"""Matrix replies drawn as Element draws them, for docs/screenshots (test_mx_screenshots.py).

- `Message` / `Shot`: what one screenshot shows (a few messages of a direct chat).
- `Normaliser`: the volatile parts of a reply (container ids, confirmation ids, log
  timestamps, numbered user ids) replaced by fixed stand-ins, so that a page is deterministic.
- `page(shot)`: a self-contained HTML page, our own small stylesheet after Element Web's light
  theme ("bubble" layout: the reader's own messages on the right, the bot's on the left with
  its name; notices grey; code blocks scroll sideways as in Element; tables do not).
- `foreign_tags(html)`: tags outside the Matrix spec's list for `org.matrix.custom.html`
  (https://spec.matrix.org/v1.11/client-server-api/#mroommessage-msgtypes), which clients drop.
- `Chromium`: one headless Chromium (Debian's `chromium`) driven over `--remote-debugging-pipe`
  (the DevTools protocol, JSON on two pipes): a page laid out at an exact width (`--window-size`
  cannot go below 500 px in headless mode; an emulated viewport can), measured by a small
  script, and drawn into a PNG at its own height.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import html as htmllib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Element's own stacks (res/css/_font-*.pcss), with the fonts Debian packages:
# fonts-inter, fonts-inconsolata, fonts-noto-color-emoji (scripts/setup).
SANS = 'Inter, "Noto Color Emoji", Arial, Helvetica, sans-serif'
MONO = 'Inconsolata, "Noto Color Emoji", Courier, monospace'
# Element's username colours; fixed per sender here so that pages do not depend on user ids.
COLOURS = {"alice": "#0dbd8b", "wagbot": "#368bd6"}

# https://spec.matrix.org/v1.11/client-server-api/#mroommessage-msgtypes (m.text, HTML)
SPEC_TAGS = {"font", "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul",
             "ol", "sup", "sub", "li", "b", "i", "u", "strong", "em", "s", "code", "hr", "br",
             "div", "table", "thead", "tbody", "tr", "th", "td", "caption", "pre", "span", "img",
             "details", "summary", "mx-reply"}


@dataclass
class Message:
    sender: str                     # "alice" (the reader, drawn on the right) or "wagbot"
    body: str                       # the plain body
    html: str | None = None         # formatted_body (org.matrix.custom.html), if any
    msgtype: str = "m.text"
    reply_to: Message | None = None  # drawn as Element's quote of the message replied to
    reactions: list[str] = field(default_factory=list)  # keys, one reaction each


@dataclass
class Shot:
    name: str        # file stem in docs/screenshots
    title: str       # one line for the index
    messages: list[Message]


# ---------------------------------------------------------------------------- normalising

_STAMPS = [  # (pattern, strftime format) of the timestamps the simulated containers log
    (re.compile(r"\b\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d(?= [+-]\d{4})"), "%d/%b/%Y:%H:%M:%S"),
    (re.compile(r"\b\d{4}/\d\d/\d\d \d\d:\d\d:\d\d"), "%Y/%m/%d %H:%M:%S"),
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"), "%Y-%m-%dT%H:%M:%S"),
    (re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"), "%Y-%m-%d %H:%M:%S"),
    (re.compile(r"\b\d{4}-\d\d-\d\d \d\d:\d\d(?!:\d)"), "%Y-%m-%d %H:%M"),
]
_STAMP_BASE = dt.datetime(2025, 6, 14, 9, 12, 5)
_HEX_ID = re.compile(r"\b(?:[0-9a-f]{64}|[0-9a-f]{12})\b")
_CONFIRM_ID = re.compile(r"\b((?:confirm|cancel) )([a-z0-9]{4,12})\b")
_USER = re.compile(r"@(alice|bob|wagbot)\d+(?=:)")
_EVENT_ID = re.compile(r"\$[A-Za-z0-9_-]{43}\b")


class Normaliser:
    """Replaces each distinct volatile value by the same stand-in wherever it appears, the
    n-th one seen by the n-th stand-in: the same replies give the same page."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def _stand_in(self, kind: str, value: str, make) -> str:
        key = (kind, value)
        if key not in self.seen:
            self.seen[key] = make(sum(1 for k in self.seen if k[0] == kind))
        return self.seen[key]

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for rx, fmt in _STAMPS:
            text = rx.sub(lambda m, fmt=fmt: self._stand_in(
                "stamp", m.group(0),
                lambda n: (_STAMP_BASE + dt.timedelta(seconds=37 * n)).strftime(fmt)), text)
        text = _HEX_ID.sub(lambda m: self._stand_in(
            "id", m.group(0),
            lambda n: hashlib.sha256(f"container {n}".encode()).hexdigest()[:len(m.group(0))]), text)
        text = _CONFIRM_ID.sub(lambda m: m.group(1) + self._stand_in(
            "confirm", m.group(2), lambda n: ["k7m2qd", "p3x9wa", "h5t8rc"][n % 3]), text)
        text = _USER.sub(r"@\1", text)
        return _EVENT_ID.sub("$event", text)


# ---------------------------------------------------------------------------- the page

CSS = f"""
* {{ box-sizing: border-box; }}
body {{ margin: 0; background: #fff; color: #1b1d22; font: 15px/22px {SANS}; }}
.header {{ display: flex; align-items: center; gap: 10px; height: 52px; padding: 0 16px;
  border-bottom: 1px solid #e3e8f0; font-weight: 600; font-size: 17px; }}
.timeline {{ padding: 4px 12px 14px; }}
.tile {{ display: flex; align-items: flex-end; gap: 8px; margin-top: 14px; }}
.tile.mine {{ justify-content: flex-end; }}
.avatar {{ flex: none; width: 30px; height: 30px; border-radius: 50%; color: #fff;
  font-weight: 600; font-size: 16px; line-height: 30px; text-align: center; }}
.header .avatar {{ width: 32px; height: 32px; line-height: 32px; }}
.bubble {{ min-width: 0; max-width: calc(100% - 38px); background: #f4f6fa;
  border-radius: 12px 12px 12px 4px; padding: 6px 12px 8px; }}
.mine .bubble {{ max-width: 80%; background: #e7f8f3; border-radius: 12px 12px 4px 12px; }}
.sender {{ font-weight: 600; font-size: 14px; line-height: 20px; }}
.body {{ overflow-wrap: break-word; }}
.body.plain {{ white-space: pre-wrap; }}
.notice .body {{ color: #737d8c; }}
.quote {{ margin: 2px 0 6px; padding-left: 8px; border-left: 2px solid; font-size: 13px;
  line-height: 18px; color: #737d8c; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }}
.quote b {{ font-weight: 600; }}
code {{ font-family: {MONO}; font-size: 15px; }}
:not(pre) > code {{ background: #fff; border: 1px solid #e3e8f0; border-radius: 4px;
  padding: 0 2px; }}
pre {{ margin: 6px 0; padding: 8px 10px; background: #fff; border: 1px solid #e3e8f0;
  border-radius: 6px; overflow-x: auto; line-height: 18px; }}
pre code {{ font-size: 14px; }}
pre::-webkit-scrollbar {{ height: 6px; }}
pre::-webkit-scrollbar-thumb {{ background: #c1c6cd; border-radius: 3px; }}
ul, ol {{ margin: 4px 0; padding-left: 22px; }}
li {{ margin: 2px 0; }}
p {{ margin: 0 0 6px; }}
h1, h2, h3, h4, h5, h6 {{ margin: 6px 0; line-height: 1.3; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 18px; }} h3, h4, h5, h6 {{ font-size: 16px; }}
table {{ border-collapse: collapse; margin: 6px 0; }}
th, td {{ border: 1px solid #d2d7de; padding: 3px 8px; text-align: left; vertical-align: top; }}
th {{ background: #fff; font-weight: 600; }}
blockquote {{ margin: 4px 0; padding: 0 10px; border-left: 3px solid #c1c6cd; color: #737d8c; }}
a {{ color: #0086e6; text-decoration: none; }}
.reactions {{ display: flex; flex-wrap: wrap; gap: 4px; margin-top: 6px; }}
.pill {{ padding: 0 6px; background: #fff; border: 1px solid #e3e8f0; border-radius: 12px;
  font-size: 13px; line-height: 22px; color: #737d8c; }}
""".strip()


def _esc(text: str) -> str:
    return htmllib.escape(text, quote=True)


def _avatar(sender: str) -> str:
    return (f'<div class="avatar" style="background:{COLOURS.get(sender, "#737d8c")}">'
            f"{_esc(sender[:1].upper())}</div>")


def _message(m: Message) -> str:
    mine = m.sender == "alice"
    colour = COLOURS.get(m.sender, "#737d8c")
    classes = ["tile"] + (["mine"] if mine else []) + (["notice"] if m.msgtype == "m.notice" else [])
    inner = []
    if not mine:
        inner.append(f'<div class="sender" style="color:{colour}">{_esc(m.sender)}</div>')
    if m.reply_to is not None:
        q = m.reply_to
        first = q.body.splitlines()[0] if q.body else ""
        inner.append(f'<div class="quote" style="border-color:{COLOURS.get(q.sender, "#737d8c")}">'
                     f'<b style="color:{COLOURS.get(q.sender, "#737d8c")}">{_esc(q.sender)}</b> '
                     f"{_esc(first)}</div>")
    if m.html is not None:
        # Element drops the rich-reply fallback and draws its own quote.
        body = re.sub(r"<mx-reply>.*?</mx-reply>", "", m.html, flags=re.S)
        inner.append(f'<div class="body">{body}</div>')
    else:
        inner.append(f'<div class="body plain">{_esc(m.body)}</div>')
    # The plain body is not drawn (Element draws formatted_body) but is part of the page, so
    # that a change to it alone also makes the checked-in page stale.
    if m.html is not None:
        inner.append(f'<template class="plain-body">{_esc(m.body)}</template>')
    if m.reactions:
        pills = "".join(f'<span class="pill">{_esc(k)} 1</span>' for k in m.reactions)
        inner.append(f'<div class="reactions">{pills}</div>')
    bubble = f'<div class="bubble">{"".join(inner)}</div>'
    tile = bubble if mine else _avatar(m.sender) + bubble
    return f'<div class="{" ".join(classes)}" data-msgtype="{m.msgtype}">{tile}</div>'


def page(shot: Shot) -> str:
    """The page of one screenshot: self-contained (its stylesheet inline, no script)."""
    messages = "\n".join(_message(m) for m in shot.messages)
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>wagbot on Matrix: {_esc(shot.title)}</title>\n"
        f"<style>\n{CSS}\n</style>\n</head>\n<body>\n"
        f'<div class="header">{_avatar("wagbot")}wagbot</div>\n'
        f'<div class="timeline">\n{messages}\n</div>\n'
        "</body>\n</html>\n")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)


def foreign_tags(formatted_body: str) -> set[str]:
    """Tags in `formatted_body` that the Matrix spec does not list (clients may drop them)."""
    p = _Tags()
    p.feed(formatted_body)
    return p.tags - SPEC_TAGS


# ---------------------------------------------------------------------------- Chromium

# What the test needs from a laid-out page: its width and height, the outermost elements of a
# message sticking out of the window (a code block scrolls inside itself, as in Element: not counted,
# but listed in `scrolling`).
_MEASURE = """(() => {
  const d = document.documentElement, vw = window.innerWidth;
  const sticks = e => !e.closest("pre") && e.getBoundingClientRect().right > vw + 0.5;
  const wide = [...document.querySelectorAll(".body *")]
    .filter(e => sticks(e) && !(e.parentElement.closest(".body *") && sticks(e.parentElement)))
    .map(e => ({tag: e.tagName.toLowerCase(), width: Math.round(e.getBoundingClientRect().width),
                text: e.textContent.slice(0, 60)}));
  const scrolling = [...document.querySelectorAll("pre")]
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => ({visible: p.clientWidth, content: p.scrollWidth}));
  return {viewport: vw, scroll_width: d.scrollWidth, height: Math.ceil(d.getBoundingClientRect().height),
          wide, scrolling};
})()"""

# Loaded, fonts ready, and no vertical scroll bar: a page taller than the viewport being
# measured must not lose 15 px of width to one (the checked-in page itself still scrolls).
_READY = """new Promise(done => {
  const go = () => { document.documentElement.style.overflowY = "hidden";
                     document.fonts.ready.then(() => requestAnimationFrame(() => done(true))); };
  document.readyState === "complete" ? go() : addEventListener("load", go);
})"""

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--force-device-scale-factor=1",
         "--remote-debugging-pipe"]
DEADLINE = 30.0  # one DevTools command (a page is local and small: far less in practice)


def chromium_path() -> str:
    path = shutil.which("chromium") or CHROMIUM
    assert Path(path).exists(), "chromium is missing: scripts/setup installs what the tests need"
    return path


class Chromium:
    """A headless Chromium with one tab, for `with`; `measure` and `screenshot` load a file."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="wagbot-chromium-")
        # Its stderr (D-Bus complaints, mostly) to a file: a pipe nobody reads would fill.
        self.log = open(Path(self.tmp.name) / "stderr.log", "w+b")
        self.loads = 0
        to_browser, self._out = os.pipe()
        self._in, from_browser = os.pipe()
        # At 10 or above, so that bash's 3<& and 4>& below cannot overwrite one with the other
        # (dash takes one digit only: bash it is).
        for fd in (to_browser, from_browser):
            high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
            os.close(fd)
            to_browser, from_browser = ((high, from_browser) if fd == to_browser
                                        else (to_browser, high))
        # The DevTools pipe is fd 3 (commands in) and fd 4 (answers and events out).
        self.proc = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{to_browser} 4>&{from_browser}', "bash", chromium_path(),
             *FLAGS, f"--user-data-dir={Path(self.tmp.name) / 'profile'}", "about:blank"],
            pass_fds=(to_browser, from_browser), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.log)
        os.close(to_browser)
        os.close(from_browser)
        self._buf = b""
        self._id = 0
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.call("Browser.close")
        except Exception:  # noqa: BLE001 - already gone: the kill below is enough
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        os.close(self._in)
        self.log.close()
        self.tmp.cleanup()

    def call(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        """One DevTools command; its result (events in between are skipped)."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        try:
            os.write(self._out, json.dumps(msg).encode() + b"\0")
        except BrokenPipeError:
            raise AssertionError(f"chromium exited before {method}:\n{self._stderr()}") from None
        end = time.monotonic() + DEADLINE
        while True:
            while b"\0" not in self._buf:
                left = end - time.monotonic()
                if left <= 0 or not select.select([self._in], [], [], left)[0]:
                    raise AssertionError(f"chromium did not answer {method} within {DEADLINE} s")
                chunk = os.read(self._in, 1 << 16)
                if not chunk:
                    raise AssertionError(f"chromium exited during {method}:\n{self._stderr()}")
                self._buf += chunk
            raw, self._buf = self._buf.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise AssertionError(f"chromium: {method}: {answer['error']}")
                return answer.get("result", {})

    def _stderr(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").splitlines()
        return "\n".join(l for l in lines if "dbus" not in l)[-3000:]

    def _eval(self, expression: str) -> object:
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True}, session=True)
        if "exceptionDetails" in r:
            raise AssertionError(f"chromium: script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    def _load(self, page: Path, width: int, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=True)
        # A query string of its own, so that the wait below is sure to run in the new document
        # (Page.navigate may answer before the old one is gone).
        self.loads += 1
        url = f"{page.as_uri()}?load={self.loads}"
        self.call("Page.navigate", {"url": url}, session=True)
        end = time.monotonic() + DEADLINE
        while not self._eval(f"location.href === {json.dumps(url)} && ({_READY})"):
            if time.monotonic() > end:
                raise AssertionError(f"chromium did not load {page} within {DEADLINE} s")
            time.sleep(0.02)

    def measure(self, page: Path, width: int) -> dict:
        """{viewport, scroll_width, height, wide: [...], scrolling: [...]} of `page` laid out
        `width` px wide."""
        self._load(page, width, 800)
        return self._eval(_MEASURE)

    def screenshot(self, page: Path, png: Path, width: int) -> None:
        """`page`, `width` px wide and as tall as it is, into `png`."""
        height = self.measure(page, width)["height"]
        self._load(page, width, height)
        shot = self.call("Page.captureScreenshot",
                         {"format": "png", "clip": {"x": 0, "y": 0, "width": width,
                                                    "height": height, "scale": 1}}, session=True)
        png.write_bytes(base64.b64decode(shot["data"]))
