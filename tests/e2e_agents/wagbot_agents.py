"""Helpers for the agent-request and natural-language end-to-end tests on Matrix.

The Matrix suite's helper module (tests/e2e_matrix/wagbot_matrix.py) is loaded under its own
name (`agents_wagbot_matrix`) and the simulator's control module as `agents_wagmios_control`,
so that nothing here shadows another suite's modules when several suites run in one session.

`AgentBot` is the Matrix suite's `Wagbot` with two things its config writer lacks: per-host
`description` words (natural language) and agent users (`agent: true`, `approvers`).
"""

from __future__ import annotations

import html as htmllib
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


if str(REPO / "tests") not in sys.path:
    sys.path.append(str(REPO / "tests"))  # tests/support
from support.e2e_support import load_module as _load  # noqa: E402


# Puts tests/matrix and tests/sim on sys.path (human, synapse, matrix_fixtures).
wm = _load("agents_wagbot_matrix", REPO / "tests" / "e2e_matrix" / "wagbot_matrix.py")
sim_control = _load("agents_wagmios_control", REPO / "tests" / "sim" / "control.py")

from human import Human, member, message, reaction  # noqa: E402,F401  (tests/matrix)

WAGBOT = wm.WAGBOT
HOSTS = wm.HOSTS
KEY_RE = wm.KEY_RE
REPLY_TIMEOUT = wm.REPLY_TIMEOUT

body, html, content = wm.body, wm.html, wm.content
calls, action_calls, writes, container = wm.calls, wm.action_calls, wm.writes, wm.container
reply_to, edit_of, any_bot_event, from_bot = wm.reply_to, wm.edit_of, wm.any_bot_event, wm.from_bot
outcome = wm.outcome

# How wagbot describes the hosts (natural language): `hosts[].description`.
DESCRIPTIONS = {"nas": ["the nas"], "media": ["media server"]}

AGENT_EVENT = "org.wagmios.request"
RESULT_BODY_RE = re.compile(r"```wagmios-result\n(.*?)\n```", re.S)
RESULT_HTML_RE = re.compile(r'<pre><code class="language-wagmios-result">(.*?)</code></pre>', re.S)


# ---------------------------------------------------------------------------- the bot

class AgentBot(wm.Wagbot):
    """A Wagbot whose config also has host descriptions and agent users."""

    def __init__(self, *a, **kw):
        self.descriptions: dict[str, list[str]] = dict(DESCRIPTIONS)
        super().__init__(*a, **kw)

    def add_agent(self, name: str, human: Human, approvers: list[str]) -> None:
        """An agent user: `agent: true`, its human `approvers` (config names)."""
        self.add_user(name, human)
        self.users[name]["agent"] = True
        self.users[name]["approvers"] = list(approvers)
        self.write_config()

    def write_config(self) -> None:
        j = json.dumps  # JSON scalars/flows are valid YAML
        lines = [f"data_dir: {j(str(self.data_dir))}"]
        lines += [f"{k}: {j(v)}" for k, v in self.settings.items()]
        lines.append("hosts:")
        for alias in HOSTS:
            desc = getattr(self, "descriptions", {}).get(alias)
            extra = f", description: {j(desc)}" if desc else ""
            lines.append(f"  - {{alias: {alias}, url: {j(self.sim.hosts[alias])}{extra}}}")
        lines.append("users:")
        for name, u in self.users.items():
            lines.append(f"  - name: {name}")
            lines.append(f"    admin: {'true' if u['admin'] else 'false'}")
            if u.get("agent"):
                lines.append("    agent: true")
                lines.append(f"    approvers: {j(u['approvers'])}")
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


# ---------------------------------------------------------------------------- requests and results

def block(request: Any, before: str = "", raw: str | None = None) -> str:
    """A message holding one ```wagmios block (the JSON of `request`, or `raw` as is)."""
    text = raw if raw is not None else json.dumps(request)
    return (before + "\n" if before else "") + "```wagmios\n" + text + "\n```"


def results(e: dict) -> list[dict]:
    """The wagmios-result blocks of a reply, parsed from its plain body, in order. The HTML
    must carry the very same results in <pre><code class="language-wagmios-result">."""
    plain = [json.loads(m) for m in RESULT_BODY_RE.findall(body(e))]
    rich = [json.loads(htmllib.unescape(m)) for m in RESULT_HTML_RE.findall(html(e))]
    assert plain == rich, f"plain body and HTML disagree:\n{body(e)}\n---\n{html(e)}"
    return plain


def result(e: dict) -> dict:
    """The single wagmios-result of a reply."""
    found = results(e)
    assert len(found) == 1, f"expected one wagmios-result block, got {len(found)}:\n{body(e)}"
    return found[0]


def human_lines(e: dict) -> list[str]:
    """The lines of the plain body outside the result blocks."""
    return [l for l in RESULT_BODY_RE.sub("", body(e)).splitlines() if l.strip()]


def assert_ok(r: dict, rid: str) -> None:
    assert r["id"] == rid, r
    assert r["status"] == "ok", r
    assert r["error"] is None, r
    assert "confirmation_id" not in r, r
    assert isinstance(r["data"]["text"], str) and isinstance(r["data"]["tables"], list), r


def assert_error(r: dict, rid: str, code: str) -> None:
    assert r["id"] == rid, r
    assert r["status"] == "error", r
    assert r["error"]["code"] == code, r
    assert r["error"]["message"], r
    assert "confirmation_id" not in r, r


# ---------------------------------------------------------------------------- the simulator's log

def posts(ctl, host: str) -> list[tuple[str, str]]:
    """Every non-GET request `host` received: ("METHOD /path", key_suffix)."""
    return [(f"{r['method']} {r['path']}", r["key_suffix"]) for r in ctl.requests(host) if r["method"] != "GET"]


def suffix(key: str) -> str:
    """What the simulator logs of a key (its last 8 characters)."""
    return key[-8:]
