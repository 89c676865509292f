"""Alert end-to-end harness: the real `wagbot run` daemon watching the WAGMIOS simulator
(tests/sim) with monitor keys, delivering to a real Synapse (tests/matrix) and/or the Discord
simulator (tests/discord).

Fixtures
  wsim / wctl    the session's WAGMIOS simulator playing `nas` and `media`; both hosts reset
                 before every test (default containers, no keys, empty request log).
  dsim / dctl    the session's Discord simulator (started on first use), reset before every
                 Discord test; identify concurrency is not enforced, so that a bot restarted
                 within 5 s identifies at once.
  synapse_hs     the session's Synapse (rate limits raised); `humans` registers users on it.
  make_world     make_world(networks=("matrix",)|("discord",)|("matrix","discord"), start=True,
                 **alerts) -> World: a bot whose config has monitor keys (containers:read +
                 system:read) for @nas and @media, `alerts: {poll_interval: 2, unreachable_after:
                 3, flap_window: 600, flap_threshold: 3, digest_threshold: 5}` (overridable),
                 and two users: alice (admin; key `*` for @nas, containers:read for @media) and
                 carol (containers:read only, for @nas). On Matrix they are humans on Synapse; on
                 Discord they are ALICE and CAROL of the simulator.
  world          make_world for one network, parametrised: [matrix] and [discord].
  both           make_world(("matrix", "discord")): one bot on both networks at once.

Running bots are stopped with SIGTERM at teardown and must exit 0; no log may contain a
WAGMIOS key (users' or monitor keys), the Matrix access token or the Discord token; the logs
of a failed test are printed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from dataclasses import dataclass, field

import pytest

sys.path.append(str(Path(__file__).resolve().parent.parent))  # tests/: sanitizer_report
from sanitizer_report import sanitizer_report  # noqa: E402

import wagbot_alerts as wa
from wagbot_alerts import wd
from matrix_fixtures import humans, register_unique, synapse_hs  # noqa: F401  (tests/matrix)


from support.e2e_support import pytest_runtest_makereport  # noqa: E402,F401


@pytest.fixture(scope="session")
def wsim():
    assert os.path.exists(wa.WAGBOT), f"wagbot binary not found at {wa.WAGBOT}; run scripts/build"
    with wd.wc.Simulator(hosts=list(wa.HOSTS)) as s:
        yield s


@pytest.fixture
def wctl(wsim):
    control = wsim.control
    for h in wa.HOSTS:
        control.reset(h)
    return control


@pytest.fixture(scope="session")
def dsim():
    with wd.dc.DiscordSim() as s:
        yield s


@pytest.fixture
def dctl(dsim):
    control = dsim.control
    control.reset(enforce_identify_concurrency=False)
    return control


@dataclass
class World:
    bot: wa.AlertBot
    wctl: object
    sides: list = field(default_factory=list)

    @property
    def side(self):
        """The only side of a one-network world."""
        (only,) = self.sides
        return only

    def on(self, network: str):
        return next(s for s in self.sides if s.network == network)


@pytest.fixture
def make_world(request, wsim, wctl, tmp_path_factory):
    made: list[wa.AlertBot] = []

    def make(networks: tuple[str, ...] = ("matrix",), start: bool = True, **alerts) -> World:
        hs = account = dsim = alice = carol = None
        if "matrix" in networks:
            hs = request.getfixturevalue("synapse_hs")
            make_human = request.getfixturevalue("humans")
            alice, carol = make_human("alice"), make_human("carol")
            account = register_unique(hs, "wagbot")
        if "discord" in networks:
            dsim = request.getfixturevalue("dsim")
            request.getfixturevalue("dctl")
        bot = wa.AlertBot(tmp_path_factory.mktemp("wagbot"), wsim, networks, hs=hs, account=account, dsim=dsim)
        made.append(bot)
        bot.add_user("alice", admin=True, matrix=alice.user_id if alice else None,
                     discord=wd.ALICE if dsim else None)
        bot.add_user("carol", matrix=carol.user_id if carol else None, discord=wd.CAROL if dsim else None)
        bot.grant("alice", "nas")
        bot.grant("alice", "media", scopes=("containers:read",), role="agent")
        bot.grant("carol", "nas", scopes=("containers:read",), role="agent")
        for h in wa.HOSTS:
            bot.monitor(h)
        bot.configure_alerts(**alerts)
        world = World(bot, wctl)
        for net in networks:
            world.sides.append(wa.MatrixSide(bot, alice, carol) if net == "matrix"
                               else wa.DiscordSide(bot, dsim.control))
        if start:
            bot.start()
        return world

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
        for secret in bot.secrets:
            if secret in logs:
                problems.append(f"{bot.dir}: a secret (key or token …{secret[-4:]}) appeared in the log")
        if wa.KEY_RE.search(logs):
            problems.append(f"{bot.dir}: something key-like in the log: {wa.KEY_RE.search(logs).group(0)[:14]}…")
        if failed or problems:
            print(f"\n----- wagbot logs of {bot.dir}\n{logs[-30000:]}")
    assert not problems, "\n".join(problems)


@pytest.fixture(params=["matrix", "discord"])
def world(request, make_world) -> World:
    return make_world((request.param,))


@pytest.fixture
def both(make_world) -> World:
    return make_world(("matrix", "discord"))
