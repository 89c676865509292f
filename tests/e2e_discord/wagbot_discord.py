"""Helpers for the Discord end-to-end tests: the `wagbot run` daemon as a subprocess pointed at
the Discord simulator (tests/discord), the WAGMIOS simulator (tests/sim) playing the hosts, and
predicates on what the simulators recorded.

Both simulators ship a module called `control.py`; they are loaded here under distinct names
(`discord_control`, `wagmios_control`) so that they never shadow each other (nor the `control`
module other suites put on sys.path). Named wagbot_discord.py (not conftest) so that test
modules can import it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


if str(REPO / "tests") not in sys.path:
    sys.path.append(str(REPO / "tests"))  # tests/support
from support.e2e_support import load_module as _load  # noqa: E402


dc = _load("discord_control", REPO / "tests" / "discord" / "control.py")
wc = _load("wagmios_control", REPO / "tests" / "sim" / "control.py")

WAGBOT = os.environ.get("WAGBOT_BIN") or str(REPO / "build" / "wagbot")
HOSTS = ("nas", "media")

# The Discord simulator's defaults (tests/discord/README.md, "Default state").
TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GsimTk.discord-simulator-token-for-wagbot-tests"
APP_ID = "1100000000000000001"
GUILD = "1200000000000000001"
CHANNEL = "1300000000000000001"

# Discord users of the tests.
ALICE = "2000000000000000001"   # admin, key for @nas
BOB = "2000000000000000002"     # not admin, own key for @nas
CAROL = "2000000000000000003"   # known, no key at all
EVE = "2000000000000000099"     # not in the config

EPHEMERAL = 64
LOADING = 128

# Member permissions (Discord's bits): what @everyone gets on a new server, and the trusted
# members of a homelab server, who also hold Manage Server (destructive commands ask for it).
MEMBER_PERMISSIONS = sum(1 << b for b in (0, 6, 9, 10, 11, 14, 15, 16, 18, 19, 20, 21, 25, 26,
                                          31, 35, 36, 38, 39, 40, 46))
MANAGE_SERVER = 1 << 5
TRUSTED_PERMISSIONS = MEMBER_PERMISSIONS | MANAGE_SERVER
KEY_RE = re.compile(r"wag_live_[A-Za-z0-9_=-]{16,}")

START_DEADLINE = 20.0   # `wagbot run` → READY and commands registered
STOP_DEADLINE = 25.0    # SIGTERM → exit (the bot itself gives in-flight work 20 s)
REPLY_TIMEOUT = 10.0    # an interaction → its final answer
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


def flags(message: dict | None) -> int:
    return int((message or {}).get("flags") or 0)


def is_ephemeral(message: dict | None) -> bool:
    return bool(flags(message) & EPHEMERAL)


COMPONENTS_V2 = 1 << 15


def _leaves(components) -> list[dict]:
    """Every component inside rows, containers and sections (a section's accessory too)."""
    out = []
    for c in components or []:
        if c.get("type") in (1, 9, 17):
            out.extend(_leaves(c.get("components")))
            if isinstance(c.get("accessory"), dict):
                out.append(c["accessory"])
        else:
            out.append(c)
    return out


def text(message: dict | None) -> str:
    """What a message says: its content, or a Components V2 layout's text displays."""
    message = message or {}
    if flags(message) & COMPONENTS_V2:
        # As Discord shows it: markdown's backslash escapes (ngin\* in a list) undone.
        shown = "\n".join(c.get("content") or "" for c in _leaves(message.get("components"))
                          if c.get("type") == 10)
        return re.sub(r"\\([\\*_~|`])", r"\1", shown)
    return message.get("content") or ""


def buttons(message: dict | None) -> list[dict]:
    """Its interactive components (buttons and select menus), wherever the layout puts them."""
    return [c for c in _leaves((message or {}).get("components")) if c.get("type") in (2, 3, 5, 6, 7, 8)]


def accent(message: dict | None) -> int | None:
    """A Components V2 layout's accent colour (its first container's)."""
    for c in (message or {}).get("components") or []:
        if c.get("type") == 17:
            return c.get("accent_color")
    return None


def custom_ids(message: dict | None) -> list[str]:
    return [b.get("custom_id") for b in buttons(message)]


def confirmation_id_of(message: dict) -> str:
    for cid in custom_ids(message):
        if cid and cid.startswith("wagbot:confirm:"):
            return cid[len("wagbot:confirm:"):]
    raise AssertionError(f"no confirmation button in {message!r}")


def response_types(d: dict) -> list[int]:
    return [r["type"] for r in d["responses"]]


def finished(d: dict) -> bool:
    """The interaction has its final answer: answered at once, or deferred then edited.

    A private answer to a deferred command is two requests (the public original says
    "answered privately", then the ephemeral follow-up carries the answer): wait for both.
    """
    if d["status"] not in ("responded", "completed"):
        return False
    return not ("Answered privately" in text(d.get("original")) and not d.get("followups"))


def visible_text(d: dict) -> str:
    """Everything the user can read for an interaction: responses, original, follow-ups."""
    parts = []
    for r in d["responses"]:
        parts.append(text(r.get("data")))
    parts.append(text(d.get("original")))
    parts.extend(text(f) for f in d.get("followups") or [])
    return "\n".join(p for p in parts if p)


# ---------------------------------------------------------------------------- WAGMIOS log

READS = {"GET /api/settings", "GET /api/containers", "GET /api/images", "GET /api/health",
         "GET /health", "GET /api/auth/status"}


def calls(wctl, host: str) -> list[str]:
    """Every API request `host` received, as "METHOD /path" (query string appended)."""
    out = []
    for r in wctl.requests(host):
        line = f"{r['method']} {r['path']}"
        if r.get("query_string"):
            line += "?" + r["query_string"]
        out.append(line)
    return out


def writes(wctl, host: str) -> list[str]:
    """Every non-GET request the host received."""
    return [c for c in calls(wctl, host) if not c.startswith("GET ")]


def container(wctl, host: str, name: str) -> dict | None:
    for c in wctl.state(host)["containers"]:
        if c["name"] == name:
            return c
    return None


# ---------------------------------------------------------------------------- the daemon

class DiscordBot:
    """One wagbot installation (config + data dir in a temp dir) and its `wagbot run` process,
    with a `discord:` section pointing at the Discord simulator."""

    def __init__(self, dsim, wsim, tmp: Path):
        self.dsim = dsim
        self.wsim = wsim
        self.ctl = dsim.control        # DiscordControl
        self.wctl = wsim.control       # SimControl (WAGMIOS)
        self.dir = tmp
        self.data_dir = tmp / "data"
        self.config_path = tmp / "wagbot.yaml"
        self.users: dict[str, dict] = {}
        self.settings: dict[str, Any] = {"confirmation_timeout": 300, "log_level": "debug",
                                         "timeouts": {"settle": SETTLE}}
        self.discord: dict[str, Any] = {"token_file": "discord.token", "api_base": dsim.api,
                                        "guilds": [GUILD]}
        self.keys: dict[tuple[str, str], str] = {}
        self.proc: subprocess.Popen | None = None
        self.runs: list[Path] = []
        self.expected_exit: int | None = 0
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WAGBOT_")}
        self.token = TOKEN
        self._write_secret("discord.token", TOKEN)

    # ------------------------------------------------------------------ configuration
    def _write_secret(self, name: str, value: str) -> Path:
        p = self.dir / name
        p.write_text(value + "\n")
        p.chmod(0o600)
        return p

    def add_user(self, name: str, discord_id: str, admin: bool = False) -> None:
        self.users[name] = {"admin": admin, "discord": [discord_id], "keys": {}}
        self.write_config()

    def grant(self, user: str, host: str, scopes=("*",), role: str = "admin") -> str:
        """A key created on the simulated host and preset for `user` in the config (key_file)."""
        key = self.wctl.add_key(host, label=f"{user}-{host}", scopes=list(scopes), role=role)["key"]
        path = self._write_secret(f"{user}-{host}.key", key)
        self.users[user]["keys"][host] = path.name
        self.keys[(user, host)] = key
        self.write_config()
        return key

    def new_key(self, host: str, label: str = "spare", scopes=("*",), role: str = "admin") -> str:
        """A valid key that no user holds yet (for the key modal)."""
        key = self.wctl.add_key(host, label=label, scopes=list(scopes), role=role)["key"]
        self.keys[("spare", label + host)] = key
        return key

    def configure(self, **settings) -> None:
        """Top-level settings; `timeouts` is merged with the harness's (settle) unless it says."""
        if "timeouts" in settings:
            settings["timeouts"] = {**self.settings.get("timeouts", {}), **settings["timeouts"]}
        self.settings.update(settings)
        self.write_config()

    def configure_discord(self, **settings) -> None:
        self.discord.update(settings)
        self.write_config()

    def write_config(self) -> None:
        j = json.dumps  # JSON scalars and flows are valid YAML
        lines = [f"data_dir: {j(str(self.data_dir))}"]
        lines += [f"{k}: {j(v)}" for k, v in self.settings.items()]
        lines.append("hosts:")
        for alias in HOSTS:
            lines.append(f"  - {{alias: {alias}, url: {j(self.wsim.hosts[alias])}}}")
        lines.append("users:")
        for name, u in self.users.items():
            lines.append(f"  - name: {name}")
            lines.append(f"    admin: {'true' if u['admin'] else 'false'}")
            lines.append(f"    discord: {j(u['discord'])}")
            if u["keys"]:
                lines.append("    keys:")
                for host, file in u["keys"].items():
                    lines.append(f"      - {{host: {host}, key_file: {j(file)}}}")
        lines.append("discord:")
        for k, v in self.discord.items():
            lines.append(f"  {k}: {j(v)}")
        self.config_path.write_text("\n".join(lines) + "\n")

    # ------------------------------------------------------------------ process
    def start(self, wait: bool = True) -> "DiscordBot":
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
            self.wait_ready()
        return self

    def wait_ready(self, deadline: float = START_DEADLINE) -> dict:
        """READY seen by the simulator (a connected session) and the slash commands registered
        in every configured guild (the bot logs it after the PUT succeeded)."""
        self.wait_log(r"gateway READY as ", deadline)
        state = poll(lambda: self._alive_or_fail() and (
            (g := self.ctl.gateway_state())["identifies"] >= 1
            and any(s["connected"] for s in g["sessions"]) and g),
            "a connected gateway session", deadline)
        for guild in self.discord.get("guilds") or []:
            self.wait_log(rf"registered \d+ slash commands in guild {guild}", deadline)
            poll(lambda: self.ctl.commands(guild_id=guild), f"commands registered in {guild}", deadline)
        return state

    def _alive_or_fail(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"wagbot exited with {self.proc.returncode}\n{self.log()}")
        return True

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

    def wait_log(self, pattern: str, deadline: float = 10.0, since: int = 0,
                 allow_exit: bool = False) -> re.Match:
        """Waits until the current run's log (from offset `since`) matches `pattern`; fails early
        if the bot exits (unless `allow_exit`)."""
        rx = re.compile(pattern)
        end = time.monotonic() + deadline
        while True:
            exited = self.proc is not None and self.proc.poll() is not None
            m = rx.search(self.log(), since)
            if m:
                return m
            if exited and not allow_exit:
                raise AssertionError(f"wagbot exited with {self.proc.returncode} before logging "
                                     f"{pattern!r}\n{self.log()}")
            if exited or time.monotonic() > end:
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

    # ------------------------------------------------------------------ talking to it
    def command(self, name: str, options: dict | None = None, user_id: str = ALICE,
                username: str = "alice", **extra) -> dict:
        """Injects a slash command; returns the control answer ({"id","token","delivered",...}).
        The user is a trusted member (Manage Server) unless `permissions` says otherwise."""
        extra.setdefault("permissions", str(TRUSTED_PERMISSIONS))
        sent = self.ctl.command(name, options or {}, user_id=user_id, username=username, **extra)
        assert sent["delivered"], f"the interaction was not delivered to a session: {sent}"
        return sent

    def ask(self, name: str, options: dict | None = None, user_id: str = ALICE,
            username: str = "alice", timeout: float = REPLY_TIMEOUT, **extra) -> dict:
        """A slash command and its final answer (the interaction record once responded/completed)."""
        sent = self.command(name, options, user_id=user_id, username=username, **extra)
        return self.wait_done(sent["id"], timeout)

    def wait_done(self, interaction_id: str, timeout: float = REPLY_TIMEOUT) -> dict:
        return self.ctl.wait_interaction(interaction_id, finished, timeout)

    def wait_followups(self, interaction_id: str, count: int = 1, timeout: float = REPLY_TIMEOUT) -> dict:
        return self.ctl.wait_interaction(interaction_id, lambda d: len(d["followups"]) >= count, timeout)


# ---------------------------------------------------------------------------- Discord REST log

def discord_requests(ctl, method: str | None = None, path_contains: str | None = None) -> list[dict]:
    return ctl.requests(path_contains=path_contains, method=method)


def recorded_text(ctl) -> str:
    """Every request and response body the Discord simulator recorded, as one string."""
    return json.dumps(ctl.requests())
