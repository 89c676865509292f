"""What every end-to-end harness shares, so that each suite does not carry its own copy.

- `load_module(name, path)`: imports a file under a name of its own. The two simulators both
  have a `control.py`, and suites reuse each other's helper modules; loading by path under
  distinct names keeps them from shadowing one another.
- `pytest_runtest_makereport`: keeps each phase's report on the test item (`item.rep_call`), so
  fixtures can print the bot's logs at teardown only when the test failed. A conftest takes it
  with `from support.e2e_support import pytest_runtest_makereport` (tests/ on sys.path).
- `free_port()`: a loopback TCP port nobody listens on right now.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from pathlib import Path

import pytest


def load_module(name: str, path: Path):
    """The module in `path`, imported once as `name`."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
