"""Agent requests and natural language through a real Matrix homeserver: the real `wagbot run`
daemon, a real Synapse (tests/matrix), matrix-nio users for the people AND for the agent, and
the WAGMIOS simulator (tests/sim) playing `nas` and `media`.

Fixtures
  synapse_hs     the session's Synapse (SQLite, loopback, rate limits raised).
  humans         humans("alice") -> a registered matrix-nio user (unique name).
  sim / ctl      one simulator playing `nas` and `media`; both reset before every test.
  make_bot       make_bot() -> an AgentBot (not started) with a freshly registered bot account.
                 Running bots are stopped with SIGTERM at teardown and must exit 0; no log may
                 contain a WAGMIOS key or the bot's access token; failed tests print the logs.
  world          a started bot and four Matrix users:
                   alice  person, admin, the agent's approver; own keys for @nas and @media
                   bob    person; own key for @nas (not an approver)
                   robo   an agent (`agent: true`, `approvers: [alice]`); own keys for @nas
                          and @media
                 hosts described as "the nas" (@nas) and "media server" (@media).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from dataclasses import dataclass

import pytest

sys.path.append(str(Path(__file__).resolve().parent.parent))  # tests/: sanitizer_report
from sanitizer_report import sanitizer_report  # noqa: E402

import wagbot_agents as wa
from wagbot_agents import Human
from matrix_fixtures import humans, register_unique, synapse_hs  # noqa: F401  (tests/matrix)


from support.e2e_support import pytest_runtest_makereport  # noqa: E402,F401


@pytest.fixture(scope="session")
def sim():
    assert os.path.exists(wa.WAGBOT), f"wagbot binary not found at {wa.WAGBOT}; run scripts/build"
    with wa.sim_control.Simulator(hosts=list(wa.HOSTS)) as s:
        yield s


@pytest.fixture
def ctl(sim):
    control = sim.control
    for h in wa.HOSTS:
        control.reset(h)
    return control


@pytest.fixture
def make_bot(request, sim, ctl, synapse_hs, tmp_path_factory):
    made: list[wa.AgentBot] = []

    def make(name: str = "wagbot") -> wa.AgentBot:
        account = register_unique(synapse_hs, name)
        bot = wa.AgentBot(synapse_hs, sim, tmp_path_factory.mktemp("wagbot"), account)
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
        if wa.KEY_RE.search(logs):
            problems.append(f"{bot.user_id}: something key-like in the log: {wa.KEY_RE.search(logs).group(0)[:14]}…")
        if bot.account["access_token"] in logs:
            problems.append(f"{bot.user_id}: the bot's access token appeared in the log")
        if failed or problems:
            print(f"\n----- wagbot logs of {bot.user_id} ({bot.dir})\n{logs[-20000:]}")
    assert not problems, "\n".join(problems)


@dataclass
class World:
    bot: wa.AgentBot
    ctl: object
    alice: Human
    bob: Human
    robo: Human
    keys: dict  # (user, host) -> key

    def key(self, user: str, host: str) -> str:
        return self.keys[(user, host)]

    def group(self) -> str:
        """A group room (made by alice) with bob, robo and the bot in it."""
        return self.bot.group(self.alice, self.bob, self.robo)


@pytest.fixture
def world(humans, ctl, make_bot) -> World:
    alice = humans("alice")
    bob = humans("bob")
    robo = humans("robo")
    bot = make_bot()
    bot.add_user("alice", alice, admin=True)
    bot.add_user("bob", bob)
    bot.add_agent("robo", robo, approvers=["alice"])
    for user, host in (("alice", "nas"), ("alice", "media"), ("bob", "nas"), ("robo", "nas"), ("robo", "media")):
        bot.grant(user, host)
    suffixes = [wa.suffix(k) for k in bot.keys.values()]
    assert len(set(suffixes)) == len(suffixes), "two keys end alike; the request log could not tell them apart"
    bot.start()
    return World(bot, ctl, alice, bob, robo, dict(bot.keys))
