"""Fault-injection harness: the real `wagbot run` daemon on Matrix (a real Synapse) and on
Discord (the Discord simulator), with the WAGMIOS simulator playing `nas` and `media`, all in
one pytest process.

Nothing here is new plumbing: the Matrix and Discord suites' conftests and helper modules are
loaded by path under distinct module names (their simulators both ship a `control.py`, and
both conftests define `make_bot`), and their fixtures are re-exported:

  wsim / wctl     one WAGMIOS simulator for the session (also `sim` / `ctl` for the Matrix
                  fixtures); both hosts reset before every test.
  synapse_hs      the session's Synapse (rate limits raised); `synapse_factory` for a Synapse
                  of one's own (restarted, or rate limited); `humans`.
  make_bot / make_world   the Matrix suite's: make_world(hs=None, start=True, matrix={...},
                  **settings) -> World(hs, alice, bob, bot, ctl, alice_key, bob_key).
  dsim / dctl     the Discord simulator, reset before every Discord test (identify concurrency
                  not enforced, so a bot restarted within 5 s identifies at once).
  dc_make_bot     the Discord suite's make_bot; `dc_world(start=True, discord={...},
                  **settings)` -> a DiscordBot with its standard users (alice admin + key for
                  @nas, bob key for @nas, carol no key).

Running bots are stopped with SIGTERM at teardown and must exit with `bot.expected_exit` (0);
no log may hold a WAGMIOS key or a chat token; the logs of a failed test are printed (all of
this is the two suites' own teardown).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
for _d in (TESTS / "e2e_matrix", TESTS / "e2e_discord"):
    if str(_d) not in sys.path:
        sys.path.insert(0, str(_d))


if str(TESTS.parent / "tests") not in sys.path:
    sys.path.append(str(TESTS.parent / "tests"))  # tests/support
from support.e2e_support import load_module as _load  # noqa: E402


import wagbot_discord as wd  # noqa: E402  (loads both control.py under distinct names)
import wagbot_matrix as wm  # noqa: E402  (puts tests/matrix and tests/sim on sys.path)

_mx = _load("e2e_matrix_conftest", TESTS / "e2e_matrix" / "conftest.py")
_dc = _load("e2e_discord_conftest", TESTS / "e2e_discord" / "conftest.py")

# Re-exported fixtures (pytest names a fixture after the attribute that holds it).
from matrix_fixtures import humans, synapse_factory, synapse_hs  # noqa: E402,F401
ctl = _mx.ctl
make_bot = _mx.make_bot
make_world = _mx.make_world
dsim = _dc.dsim
dc_make_bot = _dc.make_bot


from support.e2e_support import pytest_runtest_makereport  # noqa: E402,F401


@pytest.fixture(scope="session")
def wsim():
    assert os.path.exists(wm.WAGBOT), f"wagbot binary not found at {wm.WAGBOT}; run scripts/build"
    with wd.wc.Simulator(hosts=list(wd.HOSTS)) as s:
        yield s


@pytest.fixture(scope="session")
def sim(wsim):
    return wsim


@pytest.fixture
def wctl(ctl):
    return ctl


@pytest.fixture
def dctl(dsim):
    control = dsim.control
    control.reset(enforce_identify_concurrency=False)
    return control


@pytest.fixture
def dc_world(dc_make_bot):
    def make(start: bool = True, discord: dict | None = None, **settings) -> wd.DiscordBot:
        bot = dc_make_bot()
        _dc.standard_users(bot)
        bot.configure(**settings)
        bot.configure_discord(**(discord or {}))
        if start:
            bot.start()
        return bot
    return make
