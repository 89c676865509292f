"""Helpers for the Matrix end-to-end tests: the `wagbot run` daemon as a subprocess, predicates
on what the humans see, and the WAGMIOS simulator's request log.

Named wagbot_matrix.py (not conftest) so that test modules can import it without clashing with
tests/e2e/conftest.py when both suites are collected in one run.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
for _p in (REPO / "tests" / "matrix", REPO / "tests" / "sim"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from human import Human, member, message, q, reaction, state_event  # noqa: E402,F401
from synapse import Homeserver  # noqa: E402

WAGBOT = os.environ.get("WAGBOT_BIN") or str(REPO / "build" / "wagbot")
HOSTS = ("nas", "media")
PREFIX = "!wag"
KEY_RE = re.compile(r"wag_live_[A-Za-z0-9_=-]{16,}")
CONFIRM_RE = re.compile(r"confirm (\w+)`")

START_DEADLINE = 30.0   # `wagbot run` → first successful /sync
STOP_DEADLINE = 25.0    # SIGTERM → exit (the bot itself gives in-flight work 20 s)
REPLY_TIMEOUT = 15.0    # a command → its reply
# timeouts.settle: how long a container just started, restarted or installed is watched before
# the answer. The default (3 s) would add 3 s to every such command; one look after 1 s still
# takes the whole watch path, and sees a container that exits at once (the simulator's
# exit_on_start exits it before answering the start). A test may set its own.
SETTLE = 1


# ---------------------------------------------------------------------------- small utilities

def poll(predicate: Callable[[], Any], what: str, deadline: float = 10.0, interval: float = 0.05):
    """Polls `predicate` until it returns something truthy; AssertionError after `deadline` s."""
    end = time.monotonic() + deadline
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {deadline}s waiting for {what}")
        time.sleep(interval)


def content(e: dict) -> dict:
    return e.get("content") or {}


def body(e: dict) -> str:
    return content(e).get("body", "")


def html(e: dict) -> str:
    return content(e).get("formatted_body", "")


def confirmation_id(e: dict) -> str:
    m = CONFIRM_RE.search(body(e))
    assert m, f"no confirmation id in {body(e)!r}"
    return m.group(1)


# ---------------------------------------------------------------------------- predicates

def from_bot(bot: "Wagbot", room: str | None = None, msgtype: str | None = None) -> Callable[[dict], bool]:
    """Any m.room.message the bot sent in `room` (edits included)."""
    return message(room, sender=bot.user_id, msgtype=msgtype)


def reply_to(bot: "Wagbot", room: str, event_id: str) -> Callable[[dict], bool]:
    """The bot's reply to `event_id`: a rich reply, or a thread message replying to it."""
    def pred(e: dict) -> bool:
        rel = content(e).get("m.relates_to") or {}
        return (message(room, sender=bot.user_id)(e)
                and rel.get("rel_type") != "m.replace"
                and (rel.get("m.in_reply_to") or {}).get("event_id") == event_id)
    return pred


def outcome(edit: dict) -> dict:
    """A prompt's edit as the message it now is (its m.new_content), for body() and html(): how
    a confirmation ended is told there, in one message, not in a reply beside it."""
    return {**edit, "content": content(edit)["m.new_content"]}


def edit_of(bot: "Wagbot", room: str, target: str) -> Callable[[dict], bool]:
    """The bot's m.replace edit of `target`."""
    def pred(e: dict) -> bool:
        rel = content(e).get("m.relates_to") or {}
        return (message(room, sender=bot.user_id)(e) and rel.get("rel_type") == "m.replace"
                and rel.get("event_id") == target)
    return pred


def redaction_of(room: str, target: str, sender: str | None = None) -> Callable[[dict], bool]:
    def pred(e: dict) -> bool:
        redacts = e.get("redacts") or content(e).get("redacts")
        return (e.get("_section") == "timeline" and e.get("type") == "m.room.redaction"
                and e.get("room_id") == room and redacts == target
                and (sender is None or e.get("sender") == sender))
    return pred


def any_bot_event(bot: "Wagbot", room: str) -> Callable[[dict], bool]:
    """Any timeline event the bot sends in `room` (message, reaction, redaction…)."""
    def pred(e: dict) -> bool:
        return e.get("_section") == "timeline" and e.get("room_id") == room and e.get("sender") == bot.user_id
    return pred


def observe(port: int, path: str) -> tuple[int, str]:
    """GET on the bot's observability listener: (status, body), errors included."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


# ---------------------------------------------------------------------------- simulator log

def calls(ctl, host: str) -> list[str]:
    """Every API request `host` received, as "METHOD /path?query"."""
    out = []
    for r in ctl.requests(host):
        line = f"{r['method']} {r['path']}"
        if r.get("query_string"):
            line += "?" + r["query_string"]
        out.append(line)
    return out


READS = {"GET /api/settings", "GET /api/containers", "GET /api/images"}


def action_calls(ctl, host: str) -> list[str]:
    """The requests that are not the bot's look-ups (settings, container list, image list)."""
    return [c for c in calls(ctl, host) if c not in READS]


def writes(ctl, host: str) -> list[str]:
    """Every non-GET request."""
    return [c for c in calls(ctl, host) if not c.startswith("GET ")]


def container(ctl, host: str, name: str) -> dict | None:
    for c in ctl.state(host)["containers"]:
        if c["name"] == name:
            return c
    return None


# ---------------------------------------------------------------------------- the daemon

class Wagbot:
    """One wagbot installation (config + data dir in a temp dir) and its `wagbot run` process.

    The bot's Matrix account is registered by the fixture; `auth` is "token" (its registration
    access token, in a file) or "password" (its password, in a file: the bot logs in itself).
    """

    def __init__(self, hs: Homeserver, sim, tmp: Path, account: dict, auth: str = "token"):
        self.hs = hs
        self.homeserver = hs.url  # what the config says (a test may point it elsewhere)
        self.sim = sim
        self.ctl = sim.control
        self.dir = tmp
        self.data_dir = tmp / "data"
        self.config_path = tmp / "wagbot.yaml"
        self.account = account
        self.user_id: str = account["user_id"]
        self.localpart = self.user_id[1:].split(":")[0]
        self.auth = auth
        self.users: dict[str, dict] = {}
        self.settings: dict[str, Any] = {"confirmation_timeout": 300, "log_level": "debug",
                                         "timeouts": {"settle": SETTLE}}
        self.matrix: dict[str, Any] = {"allowed_inviters": [":localhost"], "sync_timeout_ms": 2000}
        self.keys: dict[tuple[str, str], str] = {}
        self.proc: subprocess.Popen | None = None
        self.runs: list[Path] = []          # one stderr file per start
        self.expected_exit: int | None = 0  # checked at teardown if still running
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WAGBOT_")}
        self._write_secret("matrix-token", account["access_token"])
        self._write_secret("matrix-password", account["password"])

    # ------------------------------------------------------------------ configuration
    def _write_secret(self, name: str, value: str) -> Path:
        p = self.dir / name
        p.write_text(value + "\n")
        p.chmod(0o600)
        return p

    def add_user(self, name: str, human: Human | None = None, admin: bool = False,
                 matrix_ids: Iterable[str] = ()) -> None:
        ids = list(matrix_ids) or ([human.user_id] if human else [])
        self.users[name] = {"admin": admin, "matrix": ids, "keys": {}}
        self.write_config()

    def grant(self, user: str, host: str, scopes=("*",), role: str = "admin") -> str:
        """A key created on the simulated host and preset for `user` in the config (key_file)."""
        key = self.ctl.add_key(host, label=f"{user}-{host}", scopes=list(scopes), role=role)["key"]
        path = self._write_secret(f"{user}-{host}.key", key)
        self.users[user]["keys"][host] = path.name
        self.keys[(user, host)] = key
        self.write_config()
        return key

    def new_key(self, host: str, label: str = "spare", scopes=("*",), role: str = "admin") -> str:
        """A valid key that no user holds yet (for `key add`)."""
        key = self.ctl.add_key(host, label=label, scopes=list(scopes), role=role)["key"]
        self.keys[("spare", label + host)] = key
        return key

    def write_config(self) -> None:
        import json
        j = json.dumps  # JSON scalars/flows are valid YAML
        lines = [f"data_dir: {j(str(self.data_dir))}"]
        lines += [f"{k}: {j(v)}" for k, v in self.settings.items()]
        lines.append("hosts:")
        for alias in HOSTS:
            lines.append(f"  - {{alias: {alias}, url: {j(self.sim.hosts[alias])}}}")
        lines.append("users:")
        for name, u in self.users.items():
            lines.append(f"  - name: {name}")
            lines.append(f"    admin: {'true' if u['admin'] else 'false'}")
            lines.append(f"    matrix: {j(u['matrix'])}")
            if u["keys"]:
                lines.append("    keys:")
                for host, file in u["keys"].items():
                    lines.append(f"      - {{host: {host}, key_file: {j(file)}}}")
        lines.append("matrix:")
        lines.append(f"  homeserver: {j(self.homeserver)}")
        lines.append(f"  user_id: {j(self.user_id)}")
        if self.auth == "token":
            lines.append("  access_token_file: matrix-token")
        else:
            lines.append("  password_file: matrix-password")
        for k, v in self.matrix.items():
            lines.append(f"  {k}: {j(v)}")
        self.config_path.write_text("\n".join(lines) + "\n")

    def configure(self, **settings) -> None:
        """Top-level settings; `timeouts` is merged with the harness's (settle) unless it says."""
        if "timeouts" in settings:
            settings["timeouts"] = {**self.settings.get("timeouts", {}), **settings["timeouts"]}
        self.settings.update(settings)
        self.write_config()

    def configure_matrix(self, **settings) -> None:
        self.matrix.update(settings)
        self.write_config()

    # ------------------------------------------------------------------ process
    def start(self, wait: bool = True) -> "Wagbot":
        assert os.path.exists(WAGBOT), f"wagbot binary not found at {WAGBOT}; run scripts/build"
        assert not self.running(), "the bot is already running"
        self.write_config()
        err = self.dir / f"wagbot-run{len(self.runs) + 1}.log"
        self.runs.append(err)
        with open(err, "wb") as f:
            self.proc = subprocess.Popen([WAGBOT, "run", "-c", str(self.config_path)],
                                         stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                         cwd=self.dir, env=self.env)
        if wait:
            self.wait_log(r"matrix: syncing with ", START_DEADLINE)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        """The current (last) run's output."""
        return self.runs[-1].read_text(errors="replace") if self.runs else ""

    def all_logs(self) -> str:
        return "\n".join(f"===== {p.name}\n{p.read_text(errors='replace')}" for p in self.runs)

    def log_mark(self) -> int:
        """The current length of this run's log: pass it as wait_log(since=) to see only newer lines."""
        return len(self.log())

    def wait_log(self, pattern: str, deadline: float = 10.0, since: int = 0) -> re.Match:
        """Waits until the current run's log (from offset `since`) matches `pattern`; fails early
        if the bot exits."""
        rx = re.compile(pattern)
        end = time.monotonic() + deadline
        while True:
            m = rx.search(self.log(), since)
            if m:
                return m
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"wagbot exited with {self.proc.returncode} before logging "
                                     f"{pattern!r}\n{self.log()}")
            if time.monotonic() > end:
                raise AssertionError(f"wagbot did not log {pattern!r} within {deadline}s\n{self.log()}")
            time.sleep(0.05)

    def wait_exit(self, deadline: float = STOP_DEADLINE) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(deadline)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"wagbot did not exit within {deadline}s\n{self.log()}")

    def stop(self, expect: int | None = 0, deadline: float = STOP_DEADLINE) -> int:
        """SIGTERM (graceful stop), then waits; asserts the exit code unless expect is None."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.wait_exit(deadline)
        if expect is not None:
            assert code == expect, f"wagbot exited with {code}, expected {expect}\n{self.log()}"
        return code

    def kill(self) -> None:
        """SIGKILL: a crash, nothing is finished."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def restart(self) -> "Wagbot":
        self.stop()
        return self.start()

    # ------------------------------------------------------------------ state on disk
    def db_files(self) -> list[Path]:
        return sorted(p for p in self.data_dir.glob("*") if p.is_file())

    def kv(self, key: str) -> str | None:
        con = sqlite3.connect(f"file:{self.data_dir / 'wagbot.db'}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM kv WHERE name = ?", (key,)).fetchone()
        finally:
            con.close()
        return None if row is None else (row[0].decode() if isinstance(row[0], bytes) else str(row[0]))

    def inbox(self) -> list[tuple[str, str]]:
        """(event_id, state) of every journalled Matrix event, oldest first."""
        db = self.data_dir / "wagbot.db"
        if not db.exists():
            return []
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute("SELECT event_id, state FROM inbox WHERE network = 'matrix' "
                               "ORDER BY received_at, rowid").fetchall()
        except sqlite3.OperationalError:
            return []
        finally:
            con.close()
        return [(r[0], r[1]) for r in rows]

    def devices(self) -> list[str]:
        """The bot account's device ids, from Synapse's admin API."""
        st, out, _ = self.hs.request(
            "GET", f"/_synapse/admin/v2/users/{q(self.user_id)}/devices",
            token=self.hs.admin()["access_token"])
        assert st == 200, out
        return sorted(d["device_id"] for d in out["devices"])

    def replace_identity(self) -> None:
        """Replaces the account's cross-signing identity by one that never signed the bot's
        device: an identity reset done in another client, or a bot without cross-signing as
        everyone else sees it."""
        from secure_human import upload_identity

        def post(path, body):
            status, out, _ = self.hs.request("POST", path, body, token=self.account["access_token"])
            assert status in (200, 401), out
            return out
        upload_identity(post, self.user_id, self.localpart, self.account["password"])

    # ------------------------------------------------------------------ rooms
    def dm(self, human: Human, timeout: float = REPLY_TIMEOUT) -> str:
        """A direct chat (as Element creates it) between `human` and the bot, once the bot is in."""
        room = human.create_room(invite=[self.user_id], is_direct=True)
        human.wait_for(member(room, self.user_id, "join"), timeout)
        return room

    def group(self, owner: Human, *others: Human, timeout: float = REPLY_TIMEOUT, **kw) -> str:
        """A group room made by `owner`, with `others` and the bot joined."""
        room = owner.create_room(invite=[self.user_id, *(h.user_id for h in others)], **kw)
        for h in others:
            h.join(room)
        owner.wait_for(member(room, self.user_id, "join"), timeout)
        for h in others:
            owner.wait_for(member(room, h.user_id, "join"), timeout)
        return room

    def ask(self, human: Human, room: str, text: str, timeout: float = REPLY_TIMEOUT, **send_kw) -> dict:
        """Sends `text` and returns the bot's reply to it."""
        eid = human.send_text(room, text, **send_kw)
        return human.wait_for(reply_to(self, room, eid), timeout)


def synapse_token_of(hs: Homeserver, user_id: str, device_id: str) -> list[str]:
    """The access tokens Synapse holds for one device (read from its SQLite database)."""
    db = hs.workdir / "homeserver.db"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        rows = con.execute("SELECT token FROM access_tokens WHERE user_id = ? AND device_id = ?",
                           (user_id, device_id)).fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]
