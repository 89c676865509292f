"""Helpers for the alert end-to-end tests: a `wagbot run` daemon with monitor keys and an
`alerts:` section, on Matrix (real Synapse), on Discord (the Discord simulator) or on both at
once, and one interface (`MatrixSide`, `DiscordSide`) for what a room sees: alerts, their
actions, and the answers to clicking them.

The Matrix and Discord suites' helper modules are loaded under distinct module names
(`alerts_wagbot_matrix`, `alerts_wagbot_discord`) so that nothing here shadows them, and they
in turn load the simulators' `control.py` modules under their own names.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


if str(REPO / "tests") not in sys.path:
    sys.path.append(str(REPO / "tests"))  # tests/support
from support.e2e_support import load_module as _load  # noqa: E402


# wagbot_matrix puts tests/matrix and tests/sim on sys.path (human, synapse, matrix_fixtures).
wm = _load("alerts_wagbot_matrix", REPO / "tests" / "e2e_matrix" / "wagbot_matrix.py")
# wagbot_discord loads both simulators' control.py as discord_control / wagmios_control.
wd = _load("alerts_wagbot_discord", REPO / "tests" / "e2e_discord" / "wagbot_discord.py")

from human import Human, member, reaction  # noqa: E402  (tests/matrix, put on sys.path by wm)

WAGBOT = os.environ.get("WAGBOT_BIN") or str(REPO / "build" / "wagbot")
HOSTS = ("nas", "media")
KEY_RE = re.compile(r"wag_live_[A-Za-z0-9_=-]{16,}")

POLL = 1            # alerts.poll_interval (the minimum the config accepts)
MARGIN = 1.5        # "within one polling interval": poll_interval + this, after the change
DELIVERY = 5.0      # an alert due now reaches the room (where timing is not what is tested)
ALERTS = {"poll_interval": POLL, "unreachable_after": 3, "flap_window": 600,
          "flap_threshold": 3, "digest_threshold": 5}
MONITOR_SCOPES = ("containers:read", "system:read")

START_DEADLINE = 30.0
STOP_DEADLINE = 25.0
REPLY_TIMEOUT = 15.0

ACTION_EMOJI = {"🔄": "Restart", "📜": "Logs"}
RESTART = "POST /api/containers/{}/restart"

# Embed colours by tone (src/discord/render.cpp).
COLOUR = {"info": 0x5865F2, "success": 0x2ECC71, "warning": 0xF1C40F, "error": 0xE74C3C}
# Matrix: the tone is the first thing in the body (src/matrix/render.cpp); info has none.
MARKER = {"success": "✅ ", "warning": "⚠️ ", "error": "❌ ", "info": ""}

poll = wd.poll


# ---------------------------------------------------------------------------- WAGMIOS side

def calls(wctl, host: str) -> list[str]:
    return wd.calls(wctl, host)


def restarts(wctl, host: str, name: str) -> list[dict]:
    """Every restart request of `name` that reached the host (whoever sent it)."""
    return [r for r in wctl.requests(host)
            if r["method"] == "POST" and r["path"] == f"/api/containers/{name}/restart"]


def api_call(url: str, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    """A raw WAGMIOS API call (someone else's script, not wagbot)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"X-API-Key": key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode(errors="replace")


# ---------------------------------------------------------------------------- the daemon

class AlertBot:
    """One wagbot installation with monitor keys for `nas` and `media` and a short poll
    interval, running the Matrix transport, the Discord transport, or both."""

    def __init__(self, tmp: Path, wsim, networks: tuple[str, ...], hs=None, account: dict | None = None,
                 dsim=None):
        assert networks and set(networks) <= {"matrix", "discord"}, networks
        self.dir = tmp
        self.data_dir = tmp / "data"
        self.config_path = tmp / "wagbot.yaml"
        self.wsim = wsim
        self.wctl = wsim.control
        self.networks = networks
        self.hs = hs
        self.account = account
        self.dsim = dsim
        self.dctl = dsim.control if dsim else None
        self.user_id = account["user_id"] if account else None
        self.users: dict[str, dict] = {}
        self.settings: dict[str, Any] = {"confirmation_timeout": 300, "log_level": "debug",
                                         "alerts": dict(ALERTS), "timeouts": {"settle": wm.SETTLE}}
        self.monitors: dict[str, str] = {}         # host -> key file
        self.monitor_keys: dict[str, str] = {}     # host -> key
        self.keys: dict[tuple[str, str], str] = {}
        self.secrets: list[str] = []               # must never appear in a log
        self.proc: subprocess.Popen | None = None
        self.runs: list[Path] = []
        self.expected_exit: int | None = 0
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("WAGBOT_")}
        if "matrix" in networks:
            self._write_secret("matrix-token", account["access_token"])
            self.secrets.append(account["access_token"])
        if "discord" in networks:
            self._write_secret("discord.token", wd.TOKEN)
            self.secrets.append(wd.TOKEN)

    # ------------------------------------------------------------------ configuration
    def _write_secret(self, name: str, value: str) -> Path:
        p = self.dir / name
        p.write_text(value + "\n")
        p.chmod(0o600)
        return p

    def add_user(self, name: str, admin: bool = False, matrix: str | None = None,
                 discord: str | None = None) -> None:
        self.users[name] = {"admin": admin, "matrix": [matrix] if matrix else [],
                            "discord": [discord] if discord else [], "keys": {}}
        self.write_config()

    def grant(self, user: str, host: str, scopes=("*",), role: str = "admin") -> str:
        key = self.wctl.add_key(host, label=f"{user}-{host}", scopes=list(scopes), role=role)["key"]
        self.users[user]["keys"][host] = self._write_secret(f"{user}-{host}.key", key).name
        self.keys[(user, host)] = key
        self.secrets.append(key)
        self.write_config()
        return key

    def monitor(self, host: str, scopes=MONITOR_SCOPES) -> str:
        """The host's monitor key (created on the simulated host, 0600 file)."""
        key = self.wctl.add_key(host, label=f"wagbot-monitor-{host}", scopes=list(scopes), role="agent")["key"]
        self.monitors[host] = self._write_secret(f"monitor-{host}.key", key).name
        self.monitor_keys[host] = key
        self.secrets.append(key)
        self.write_config()
        return key

    def configure_alerts(self, **settings) -> None:
        self.settings["alerts"].update(settings)
        self.write_config()

    def write_config(self) -> None:
        j = json.dumps  # JSON scalars and flows are valid YAML
        lines = [f"data_dir: {j(str(self.data_dir))}"]
        lines += [f"{k}: {j(v)}" for k, v in self.settings.items()]
        lines.append("hosts:")
        for alias in HOSTS:
            extra = f", monitor_key_file: {j(self.monitors[alias])}" if alias in self.monitors else ""
            lines.append(f"  - {{alias: {alias}, url: {j(self.wsim.hosts[alias])}{extra}}}")
        lines.append("users:")
        for name, u in self.users.items():
            lines.append(f"  - name: {name}")
            lines.append(f"    admin: {'true' if u['admin'] else 'false'}")
            for net in ("matrix", "discord"):
                if u[net]:
                    lines.append(f"    {net}: {j(u[net])}")
            if u["keys"]:
                lines.append("    keys:")
                for host, file in u["keys"].items():
                    lines.append(f"      - {{host: {host}, key_file: {j(file)}}}")
        if "matrix" in self.networks:
            lines += ["matrix:", f"  homeserver: {j(self.hs.url)}", f"  user_id: {j(self.user_id)}",
                      "  access_token_file: matrix-token", '  allowed_inviters: [":localhost"]',
                      "  sync_timeout_ms: 2000"]
        if "discord" in self.networks:
            lines += ["discord:", "  token_file: discord.token", f"  api_base: {j(self.dsim.api)}",
                      f"  guilds: {j([wd.GUILD])}"]
        self.config_path.write_text("\n".join(lines) + "\n")

    # ------------------------------------------------------------------ process
    def start(self) -> "AlertBot":
        """Starts `wagbot run` and waits until every transport is up, every monitored host's
        activity feed is followed, and each has had its first (baseline) poll."""
        assert os.path.exists(WAGBOT), f"wagbot binary not found at {WAGBOT}; run scripts/build"
        assert not self.running(), "the bot is already running"
        self.write_config()
        marks = {h: len(self.wctl.requests(h)) for h in self.monitors}
        err = self.dir / f"wagbot-run{len(self.runs) + 1}.log"
        self.runs.append(err)
        with open(err, "wb") as f:
            self.proc = subprocess.Popen([WAGBOT, "run", "-c", str(self.config_path)],
                                         stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                         cwd=self.dir, env=self.env)
        if "matrix" in self.networks:
            self.wait_log(r"matrix: syncing with ", START_DEADLINE)
        if "discord" in self.networks:
            self.wait_log(r"gateway READY as ", START_DEADLINE)
            self.wait_log(rf"registered \d+ slash commands in guild {wd.GUILD}", START_DEADLINE)
        for host in self.monitors:
            self.wait_log(rf"following the activity feed of @{host}\b", START_DEADLINE)
            self.wait_poll(host, since=marks[host], deadline=START_DEADLINE)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.runs[-1].read_text(errors="replace") if self.runs else ""

    def all_logs(self) -> str:
        return "\n".join(f"===== {p.name}\n{p.read_text(errors='replace')}" for p in self.runs)

    def wait_log(self, pattern: str, deadline: float = 10.0, since: int = 0) -> re.Match:
        rx = re.compile(pattern)
        end = time.monotonic() + deadline
        while True:
            m = rx.search(self.log(), since)
            if m:
                return m
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"wagbot exited with {self.proc.returncode} before logging "
                                     f"{pattern!r}\n{self.log()[-5000:]}")
            if time.monotonic() > end:
                raise AssertionError(f"wagbot did not log {pattern!r} within {deadline}s\n{self.log()[-5000:]}")
            time.sleep(0.05)

    def stop(self, expect: int | None = 0, deadline: float = STOP_DEADLINE) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(deadline)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"wagbot did not exit within {deadline}s\n{self.log()[-5000:]}")
        if expect is not None:
            assert code == expect, f"wagbot exited with {code}, expected {expect}\n{self.log()[-5000:]}"
        return code

    def restart(self) -> "AlertBot":
        self.stop()
        return self.start()

    # ------------------------------------------------------------------ polls
    def polls(self, host: str, since: int = 0) -> list[dict]:
        """The monitor key's answered polls of /api/containers (request-log entries from index
        `since`)."""
        suffix = self.monitor_keys[host][-8:]
        return [r for r in self.wctl.requests(host)[since:]
                if r["method"] == "GET" and r["path"] == "/api/containers"
                and r["key_suffix"] == suffix and r["status"] is not None]

    def mark(self, host: str) -> int:
        """Where the host's request log ends now. A poll logged after this mark was answered
        from the state as it is now (the simulator logs a request, then answers it, without
        letting anything else in between)."""
        return len(self.wctl.requests(host))

    def wait_poll(self, host: str, since: int, count: int = 1, deadline: float | None = None) -> list[dict]:
        """Waits until `count` polls logged after the mark `since` have been answered."""
        deadline = deadline or count * POLL + 3
        return poll(lambda: self._alive() and len(p := self.polls(host, since)) >= count and p,
                    f"{count} poll(s) of @{host}", deadline)

    def settle(self, host: str = "nas", polls: int = 1) -> None:
        """Real time passes: `polls` polls answered after now. The watcher handles one poll's
        answer (and routes its alerts) before it asks again, so once a poll is answered,
        everything the previous ones caused has been routed, and had a poll interval to be
        sent."""
        self.wait_poll(host, since=self.mark(host), count=polls)

    def just_polled(self, host: str) -> None:
        """Returns right after a poll was answered (waiting for the next one unless the last
        one is under half an interval old): the next poll is then most of an interval away."""
        last = self.polls(host)
        if last and time.time() - last[-1]["time"] < POLL / 2:
            return
        self.wait_poll(host, since=self.mark(host))

    def _alive(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"wagbot exited with {self.proc.returncode}\n{self.log()[-5000:]}")
        return True


# ---------------------------------------------------------------------------- what rooms see

@dataclass
class Alert:
    network: str
    id: str                 # Matrix event id / Discord message id
    room: str               # Matrix room id / Discord channel id
    text: str               # Matrix body without its tone marker / Discord layout's text
    actions: list[str]      # action labels: Matrix reactions by the bot, Discord buttons
    raw: dict = field(repr=False)
    html: str = ""          # Matrix formatted_body
    marker: str = ""        # Matrix: the tone marker the body starts with
    colour: int | None = None  # Discord layout's accent colour


class MatrixSide:
    """Rooms on the real Synapse: alice (admin, full key for @nas, read key for @media) and
    carol (containers:read only for @nas) are humans there with the bot."""

    network = "matrix"

    def __init__(self, bot: AlertBot, alice: Human, carol: Human):
        self.bot, self.alice, self.carol = bot, alice, carol
        self.people = {"alice": alice, "carol": carol}

    def room(self, name: str = "") -> str:
        """A group room with alice, carol and the bot."""
        room = self.alice.create_room(invite=[self.bot.user_id, self.carol.user_id], name=name or None)
        self.carol.join(room)
        self.alice.wait_for(member(room, self.bot.user_id, "join"), REPLY_TIMEOUT)
        return room

    def ask(self, room: str, command: str, who: str = "alice") -> str:
        human = self.people[who]
        eid = human.send_text(room, "!wag " + command)
        return wm.body(human.wait_for(wm.reply_to(self.bot, room, eid), REPLY_TIMEOUT))

    def subscribe(self, room: str, what: str = "@nas", who: str = "alice") -> str:
        return self.ask(room, "alerts on " + what, who)

    def unsubscribe(self, room: str, what: str = "@nas", who: str = "alice") -> str:
        return self.ask(room, "alerts off " + what, who)

    def listing(self, room: str) -> str:
        return self.ask(room, "alerts")

    def _events(self, room: str) -> list[dict]:
        return self.alice.messages(room, limit=200)

    def alerts(self, room: str) -> list[Alert]:
        """Every alert the bot posted in `room`, oldest first: its messages that answer nobody
        (no relation), with the reactions it put on them."""
        events = self._events(room)
        out = []
        for e in events:
            c = e.get("content") or {}
            if (e.get("type") == "m.room.message" and e.get("sender") == self.bot.user_id
                    and "m.relates_to" not in c):
                acts = [ACTION_EMOJI.get(r["content"]["m.relates_to"]["key"], r["content"]["m.relates_to"]["key"])
                        for r in events
                        if r.get("type") == "m.reaction" and r.get("sender") == self.bot.user_id
                        and r["content"]["m.relates_to"].get("event_id") == e["event_id"]]
                text = c.get("body", "")
                marker = next((m for m in MARKER.values() if m and text.startswith(m)), "")
                out.append(Alert("matrix", e["event_id"], room, text[len(marker):], acts, e,
                                 html=c.get("formatted_body", ""), marker=marker))
        return out

    def bot_events(self, room: str) -> list[dict]:
        """Everything the bot sent in the room's timeline (messages, reactions, …)."""
        return [e for e in self._events(room) if e.get("sender") == self.bot.user_id
                and e.get("type") != "m.room.member"]

    def wait_actions(self, alert: Alert, labels: list[str]) -> Alert:
        """The alert once the bot's reactions for `labels` are on it."""
        for label in labels:
            key = next(k for k, v in ACTION_EMOJI.items() if v == label)
            self.alice.wait_for(reaction(alert.room, target=alert.id, key=key, sender=self.bot.user_id),
                                REPLY_TIMEOUT)
        return next(a for a in self.alerts(alert.room) if a.id == alert.id)

    def click(self, alert: Alert, label: str, who: str) -> str:
        """`who` reacts with the action's emoji; returns the bot's answer (a reply to the alert)."""
        human = self.people[who]
        key = next(k for k, v in ACTION_EMOJI.items() if v == label)
        answer = wm.reply_to(self.bot, alert.room, alert.id)
        # Earlier answers to this alert (to someone else's reaction) are not this one's.
        human.sync()
        human.backlog = [e for e in human.backlog if not human._matches(answer, e)]
        human.react(alert.room, alert.id, key)
        return wm.body(human.wait_for(answer, REPLY_TIMEOUT))

    def check_native(self, alert: Alert, tone: str) -> None:
        """An HTML m.notice (with a plain-text body) that mentions nobody, its tone marked."""
        c = alert.raw["content"]
        assert c["msgtype"] == "m.notice", c
        assert alert.marker == MARKER[tone], (alert.marker, tone, c["body"])
        assert c.get("format") == "org.matrix.custom.html" and alert.html, c
        if "`" in alert.text:
            assert "<code>" in alert.html and "`" not in alert.html, alert.html
        assert c.get("m.mentions", {}).get("user_ids", []) == [], c


class DiscordSide:
    """Channels of the simulated guild: alice (ALICE) and carol (CAROL) click there."""

    network = "discord"
    IDS = {"alice": (wd.ALICE, "alice"), "carol": (wd.CAROL, "carol"), "eve": (wd.EVE, "eve")}

    def __init__(self, bot: AlertBot, dctl):
        self.bot, self.dctl = bot, dctl
        self.used_default = False

    def room(self, name: str = "") -> str:
        """The guild's default channel first, then new channels."""
        if not self.used_default:
            self.used_default = True
            return wd.CHANNEL
        return self.dctl.add_channel(name=name or None)["id"]

    @staticmethod
    def _options(what: str) -> dict:
        words = what.split()
        opts: dict[str, str] = {}
        if words and (words[0].startswith("@") or words[0] == "all"):
            opts["host"] = words.pop(0).lstrip("@")
        if words:
            opts["containers"] = " ".join(words)
        return opts

    def _ask(self, room: str, name: str, options: dict, who: str = "alice") -> str:
        uid, uname = self.IDS[who]
        sent = self.dctl.command(name, options, user_id=uid, username=uname, channel_id=room)
        assert sent["delivered"], sent
        d = self.dctl.wait_interaction(sent["id"], wd.finished, REPLY_TIMEOUT)
        assert not d["errors"], d["errors"]
        return wd.visible_text(d)

    def subscribe(self, room: str, what: str = "@nas", who: str = "alice") -> str:
        return self._ask(room, "alerts on", self._options(what), who)

    def unsubscribe(self, room: str, what: str = "@nas", who: str = "alice") -> str:
        return self._ask(room, "alerts off", self._options(what), who)

    def listing(self, room: str) -> str:
        return self._ask(room, "alerts show", {})

    def alerts(self, room: str) -> list[Alert]:
        """Every message the bot posted in the channel on its own (not an interaction answer)."""
        out = []
        for m in self.dctl.channel_messages(room):
            if m["author"]["id"] != wd.APP_ID or m.get("webhook_id") or m.get("interaction_metadata"):
                continue
            out.append(Alert("discord", m["id"], room, wd.text(m),
                             [b.get("label") for b in wd.buttons(m)], m, colour=wd.accent(m)))
        return out

    def bot_events(self, room: str) -> list[dict]:
        """Every message the bot created in the channel (alerts and interaction answers) and
        every REST call it made for that channel."""
        return ([m for m in self.dctl.channel_messages(room) if m["author"]["id"] == wd.APP_ID]
                + self.dctl.requests(path_contains=f"/channels/{room}/"))

    def wait_actions(self, alert: Alert, labels: list[str]) -> Alert:
        return alert  # buttons come with the message

    def click(self, alert: Alert, label: str, who: str) -> str:
        """`who` clicks the alert's button; returns everything they can read in answer
        (ephemeral parts included)."""
        (button,) = [b for b in wd.buttons(alert.raw) if b.get("label") == label]
        uid, uname = self.IDS[who]
        sent = self.dctl.click(alert.id, button["custom_id"], user_id=uid, username=uname)
        assert sent["delivered"], sent
        # Answered at once (type 4), or deferred then edited; a private answer to a deferred
        # click is a "🔒 Answered privately." edit plus an ephemeral follow-up.
        d = self.dctl.wait_interaction(sent["id"], lambda x: wd.finished(x) and (
            x["status"] == "responded" or x["followups"]
            or "Answered privately" not in wd.text(x.get("original"))), REPLY_TIMEOUT)
        assert not d["errors"], d["errors"]
        assert d["responses"] and d["responses"][0]["at"] < 3000, d["responses"]
        self.last_interaction = d
        return wd.visible_text(d)

    def check_native(self, alert: Alert, tone: str) -> None:
        """A Components V2 container accented by the alert's tone, its buttons inside it; no
        plain content, no embeds, no pings."""
        m = alert.raw
        assert wd.flags(m) & wd.COMPONENTS_V2, m
        assert not m.get("content") and not m.get("embeds") and m["mentions"] == [], m
        (box,) = m["components"]
        assert box["type"] == 17 and alert.colour == COLOUR[tone], (hex(alert.colour or 0), tone)
        assert [b.get("label") for b in wd.buttons({"components": [box]})] == alert.actions, m
        (sent,) = [r for r in self.dctl.requests(method="POST", path_contains=f"/channels/{alert.room}/messages")
                   if (r.get("response") or {}).get("id") == alert.id]
        mentions = sent["body"]["allowed_mentions"]
        assert mentions["parse"] == [] and not mentions.get("users"), sent["body"]


def wait_alert(side, room: str, contains: str, deadline: float, since: int = 0) -> Alert:
    """The first alert in `room` (from index `since`) whose text contains `contains`."""
    return poll(lambda: next((a for a in side.alerts(room)[since:] if contains in a.text), None),
                f"a {side.network} alert containing {contains!r} in {room}", deadline, interval=0.1)


def texts(alerts: list[Alert]) -> list[str]:
    return [a.text for a in alerts]
