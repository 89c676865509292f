"""Makes tests/discord importable and runs one simulator for the whole self-test session;
each test starts from POST /_control/reset."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "discord"))

from control import DiscordSim  # noqa: E402


def pytest_configure(config):
    # discord.py imports audioop (voice support), deprecated in Python 3.13.
    config.addinivalue_line("filterwarnings", "ignore:'audioop' is deprecated:DeprecationWarning")


@pytest.fixture(scope="session")
def sim_process():
    with DiscordSim() as sim:
        yield sim


@pytest.fixture
def sim(sim_process):
    sim_process.control.reset()
    return sim_process


@pytest.fixture
def ctl(sim):
    return sim.control
