"""Matrix end-to-end harness: a real Synapse (tests/matrix), matrix-nio humans, the WAGMIOS
simulator (tests/sim) and the real `wagbot run` daemon.

Fixtures
  synapse_hs       the session's Synapse (SQLite, loopback, rate limits raised).
  synapse_default  a second Synapse with Synapse's DEFAULT rate limits (the burst test only).
  synapse_factory  a fresh Synapse for one test (e.g. one that gets restarted).
  humans           humans("alice", hs=...) -> a registered matrix-nio user (unique name).
  sim / ctl        one simulator playing hosts `nas` and `media`; both are reset (default
                   containers, no keys, empty request log) before every test.
  make_bot         make_bot(hs=None, auth="token"|"password") -> a Wagbot (not started) with a
                   freshly registered bot account, its config in a temp dir. Running bots are
                   stopped with SIGTERM at teardown and must exit with `bot.expected_exit` (0).
  world            alice (admin, preset key for @nas) and bob (not admin, own key for @nas),
                   with a bot already started for them.

Every wagbot log of a failed test is printed at teardown; no log may contain a WAGMIOS key or
the bot's access token.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from dataclasses import dataclass

import pytest

sys.path.append(str(Path(__file__).resolve().parent.parent))  # tests/: sanitizer_report
from sanitizer_report import sanitizer_report  # noqa: E402

import wagbot_matrix as wm
from matrix_fixtures import humans, register_unique, synapse_factory, synapse_hs  # noqa: F401
from synapse import start_synapse
from control import Simulator
from human import Human


from support.e2e_support import pytest_runtest_makereport  # noqa: E402,F401


@pytest.fixture(scope="session")
def sim():
    assert os.path.exists(wm.WAGBOT), f"wagbot binary not found at {wm.WAGBOT}; run scripts/build"
    with Simulator(hosts=list(wm.HOSTS)) as s:
        yield s


@pytest.fixture
def ctl(sim):
    control = sim.control
    for h in wm.HOSTS:
        control.reset(h)
    return control


@pytest.fixture(scope="session")
def synapse_default(tmp_path_factory):
    """Synapse with its default rc_* limits (rc_message 0.2/s, burst 10): 429s are real."""
    hs = start_synapse(tmp_path_factory.mktemp("synapse-default"), default_rate_limits=True)
    try:
        yield hs
    finally:
        hs.stop()


@pytest.fixture
def make_bot(request, sim, ctl, tmp_path_factory):
    made: list[wm.Wagbot] = []

    def make(hs=None, auth: str = "token", name: str = "wagbot") -> wm.Wagbot:
        server = hs or request.getfixturevalue("synapse_hs")
        account = register_unique(server, name)
        bot = wm.Wagbot(server, sim, tmp_path_factory.mktemp("wagbot"), account, auth=auth)
        made.append(bot)
        return bot

    yield make

    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    problems = []
    for bot in made:
        if bot.running():
            code = bot.stop(expect=None)
            if bot.expected_exit is not None and code != bot.expected_exit:
                problems.append(f"{bot.user_id}: exit code {code} at teardown, expected {bot.expected_exit}")
        logs = bot.all_logs()
        if report := sanitizer_report(logs):
            problems.append(f"{bot.user_id}: a sanitizer report in the log:\n{report}")
        for key in bot.keys.values():
            if key in logs:
                problems.append(f"{bot.user_id}: a full WAGMIOS key appeared in the log")
        if wm.KEY_RE.search(logs):
            problems.append(f"{bot.user_id}: something key-like in the log: {wm.KEY_RE.search(logs).group(0)[:14]}…")
        if bot.account["access_token"] in logs:
            problems.append(f"{bot.user_id}: the bot's access token appeared in the log")
        if failed or problems:
            print(f"\n----- wagbot logs of {bot.user_id} ({bot.dir})\n{logs[-20000:]}")
    assert not problems, "\n".join(problems)


@dataclass
class World:
    hs: object
    alice: Human
    bob: Human
    bot: wm.Wagbot
    ctl: object
    alice_key: str
    bob_key: str


@pytest.fixture
def make_world(synapse_hs, humans, ctl, make_bot):
    """make_world(hs=None, start=True, matrix={...}, **settings) -> World; see `world`.
    On another homeserver than the session's, the humans are exempt from its rate limits
    (the bot is not)."""
    def make(hs=None, start: bool = True, matrix: dict | None = None, **settings) -> World:
        hs = hs or synapse_hs
        alice = humans("alice", hs=hs, unlimited=hs is not synapse_hs)
        bob = humans("bob", hs=hs, unlimited=hs is not synapse_hs)
        bot = make_bot(hs)
        bot.add_user("alice", alice, admin=True)
        bot.add_user("bob", bob)
        alice_key = bot.grant("alice", "nas")
        bob_key = bot.grant("bob", "nas")
        bot.configure(**settings)
        bot.configure_matrix(**(matrix or {}))
        if start:
            bot.start()
        return World(hs, alice, bob, bot, ctl, alice_key, bob_key)
    return make


@pytest.fixture
def world(make_world) -> World:
    return make_world()
