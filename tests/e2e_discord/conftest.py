"""Discord end-to-end harness: the Discord simulator (tests/discord), the WAGMIOS simulator
(tests/sim) and the real `wagbot run` daemon with a `discord:` section.

Fixtures
  dsim / dctl   the session's Discord simulator; reset before every test (connections dropped,
                sessions, interactions, messages, commands, requests, rate limits forgotten).
  wsim / wctl   the session's WAGMIOS simulator playing hosts `nas` and `media`; both hosts are
                reset before every test (default containers, no keys, empty request log).
  make_bot      make_bot() -> a DiscordBot (not started), its config in a temp dir. Running bots
                are stopped with SIGTERM at teardown and must exit with `bot.expected_exit` (0).
  bot           alice (admin, preset key for @nas) and bob (own key for @nas) and carol (known,
                no key), with a bot started, READY, and its slash commands registered.

Every wagbot log of a failed test is printed at teardown; no log may contain a WAGMIOS key or
the Discord bot token.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parent.parent))  # tests/: sanitizer_report
from sanitizer_report import sanitizer_report  # noqa: E402

import wagbot_discord as wd


from support.e2e_support import pytest_runtest_makereport  # noqa: E402,F401


@pytest.fixture(scope="session")
def dsim():
    assert os.path.exists(wd.WAGBOT), f"wagbot binary not found at {wd.WAGBOT}; run scripts/build"
    with wd.dc.DiscordSim() as s:
        yield s


@pytest.fixture(scope="session")
def wsim():
    with wd.wc.Simulator(hosts=list(wd.HOSTS)) as s:
        yield s


@pytest.fixture
def dctl(dsim):
    control = dsim.control
    control.reset()
    return control


@pytest.fixture
def wctl(wsim):
    control = wsim.control
    for h in wd.HOSTS:
        control.reset(h)
    return control


@pytest.fixture
def make_bot(request, dsim, wsim, dctl, wctl, tmp_path_factory):
    made: list[wd.DiscordBot] = []

    def make() -> wd.DiscordBot:
        bot = wd.DiscordBot(dsim, wsim, tmp_path_factory.mktemp("wagbot"))
        made.append(bot)
        return bot

    yield make

    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    problems = []
    for bot in made:
        if bot.running():
            code = bot.stop(expect=None)
            if bot.expected_exit is not None and code != bot.expected_exit:
                problems.append(f"{bot.dir}: exit code {code} at teardown, expected {bot.expected_exit}")
        logs = bot.all_logs()
        if report := sanitizer_report(logs):
            problems.append(f"{bot.dir}: a sanitizer report in the log:\n{report}")
        for key in bot.keys.values():
            if key in logs:
                problems.append(f"{bot.dir}: a full WAGMIOS key appeared in the log")
        if wd.KEY_RE.search(logs):
            problems.append(f"{bot.dir}: something key-like in the log: {wd.KEY_RE.search(logs).group(0)[:14]}…")
        if bot.token in logs:
            problems.append(f"{bot.dir}: the Discord bot token appeared in the log")
        if failed or problems:
            print(f"\n----- wagbot logs of {bot.dir}\n{logs[-20000:]}")
    assert not problems, "\n".join(problems)


def standard_users(bot: wd.DiscordBot) -> None:
    bot.add_user("alice", wd.ALICE, admin=True)
    bot.add_user("bob", wd.BOB)
    bot.add_user("carol", wd.CAROL)
    bot.grant("alice", "nas")
    bot.grant("bob", "nas")


@pytest.fixture
def make_world(make_bot):
    """make_world(start=True, discord={...}, **settings) -> a DiscordBot with the standard users."""
    def make(start: bool = True, discord: dict | None = None, **settings) -> wd.DiscordBot:
        bot = make_bot()
        standard_users(bot)
        bot.configure(**settings)
        bot.configure_discord(**(discord or {}))
        if start:
            bot.start()
        return bot
    return make


@pytest.fixture
def bot(make_world) -> wd.DiscordBot:
    return make_world()
