"""Fixtures of the simulator's self-tests: one simulator (hosts nas and media) per module."""

from __future__ import annotations

import pytest

from simtest import Host
from control import SimControl, Simulator


@pytest.fixture(scope="module")
def sim():
    with Simulator(hosts=["nas", "media"]) as s:
        yield s


@pytest.fixture
def ctl(sim) -> SimControl:
    return sim.control


@pytest.fixture
def nas(sim, ctl) -> Host:
    ctl.reset("nas")
    return Host("nas", sim.hosts["nas"], ctl)
