"""pytest fixtures for tests that need a real Synapse and human Matrix users.

Use from a conftest.py:

    sys.path.insert(0, str(REPO / "tests" / "matrix"))
    from matrix_fixtures import synapse_hs, synapse_factory, humans  # noqa: F401

synapse_hs       one Synapse for the whole session, rate limits raised.
synapse_factory  synapse_factory(default_rate_limits=False, **kw) -> a new Homeserver in its
                 own tmp dir, stopped at the end of the test.
humans           humans("alice", hs=None, admin=False, unlimited=False, secure=False, **Human kwargs)
                 -> a Human registered on `hs` (default synapse_hs) under a unique name
                 ("alice", "alice2", ...; see .user_id), with .password set; unlimited=True
                 exempts it from rate limits; secure=True makes it a SecureHuman (encrypting,
                 cross-signed unless cross_signed=False). All Humans are closed at the end.
"""

from __future__ import annotations

import itertools

import pytest

from human import Human
from synapse import Homeserver, SynapseError, start_synapse

@pytest.fixture(scope="session")
def synapse_hs(tmp_path_factory) -> Homeserver:
    hs = start_synapse(tmp_path_factory.mktemp("synapse"))
    try:
        yield hs
    finally:
        hs.stop()


@pytest.fixture
def synapse_factory(tmp_path_factory):
    started: list[Homeserver] = []

    def start(default_rate_limits: bool = False, **kw) -> Homeserver:
        hs = start_synapse(tmp_path_factory.mktemp("synapse"), default_rate_limits=default_rate_limits, **kw)
        started.append(hs)
        return hs

    yield start
    for hs in started:
        hs.stop()


def register_unique(hs: Homeserver, name: str, **kw) -> dict:
    """Registers `name`, or name2, name3, ... if taken (names are per homeserver)."""
    for n in itertools.count(1):
        candidate = name if n == 1 else f"{name}{n}"
        try:
            return hs.register(candidate, **kw)
        except SynapseError as e:
            if "M_USER_IN_USE" not in str(e):
                raise
    raise AssertionError("unreachable")


@pytest.fixture
def humans(request):
    made: list[Human] = []

    def make(name: str, hs: Homeserver | None = None, admin: bool = False,
             unlimited: bool = False, secure: bool = False, **kw) -> Human:
        server = hs or request.getfixturevalue("synapse_hs")
        reg = register_unique(server, name, admin=admin)
        if unlimited:  # exempt from rate limits (useful on a default_rate_limits server)
            server.override_ratelimit(reg["user_id"])
        if secure:  # an encrypting client (see secure_human.py); cross_signed=False for one that is not
            from secure_human import SecureHuman
            kw.setdefault("store_dir", request.getfixturevalue("tmp_path_factory").mktemp("nio-store"))
            h = SecureHuman.from_registration(server.url, reg, **kw)
        else:
            h = Human.from_registration(server.url, reg, **kw)
        h.password = reg["password"]
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()
