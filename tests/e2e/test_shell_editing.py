"""`wagbot shell` on a real terminal (a pseudo-terminal): keys edit the line, ↑ recalls the
previous one, and a line holding a key is never recalled."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

import pytest

from conftest import WAGBOT, action_calls

pytestmark = pytest.mark.timeout(60)


class Terminal:
    def __init__(self, bot):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [WAGBOT, "shell", "-c", str(bot.config_path), "--as", "alice"],
            stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=bot.env, cwd=bot.dir)
        os.close(slave)
        self.seen = b""

    def read_until(self, text: str, since: int = 0, deadline: float = 15.0) -> str:
        end = time.monotonic() + deadline
        while text.encode() not in self.seen[since:]:
            left = end - time.monotonic()
            assert left > 0, f"never saw {text!r} in {self.seen.decode(errors='replace')!r}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096)
                except OSError:
                    break
        return self.seen.decode(errors="replace")

    def keys(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> int:
        self.keys("\x04")  # Ctrl-D on an empty line ends the shell
        try:
            return self.proc.wait(timeout=15)
        finally:
            os.close(self.master)


def test_keys_edit_the_line_and_up_recalls_it(bot, ctl):
    bot.grant("alice", "nas")
    t = Terminal(bot)
    t.read_until("wagbot> ")
    # Typos fixed as a person fixes them: "pz" Backspace "s", then "@nsa" ← ← Delete → "s".
    t.keys("pz\x7fs @nsa\x1b[D\x1b[D\x1b[3~\x1b[Cs\r")
    t.read_until("containers on @nas")
    assert action_calls(ctl, "nas") == []  # ps reads only: settings and the list
    before = len(t.seen)
    t.keys("\x1b[A\r")  # ↑ Enter: the same line again
    t.read_until("containers on @nas", since=before)
    assert t.seen[before:].count(b"containers on @nas") == 1
    assert t.close() == 0


def test_a_line_with_a_key_is_not_recalled(bot, ctl):
    bot.grant("alice", "nas")
    t = Terminal(bot)
    t.read_until("wagbot> ")
    key = "wag_live_" + "q" * 44
    t.keys(f"key add nas {key}\r")
    t.keys("hosts\r")
    t.read_until("your key")  # the hosts table: both lines were answered
    t.read_until("wagbot> ", since=t.seen.index(b"your key"))  # and the prompt after it
    mark = len(t.seen)
    t.keys("\x1b[A\x1b[A")  # two lines up: only `hosts` is there
    t.read_until("hosts", since=mark)
    assert key.encode() not in t.seen[mark:]
    t.keys("\x15")  # Ctrl-U: the line is dropped
    assert t.close() == 0
