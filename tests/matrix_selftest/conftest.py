"""Makes tests/matrix importable and provides its fixtures (synapse_hs, synapse_factory, humans)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "matrix"))

from matrix_fixtures import humans, synapse_factory, synapse_hs  # noqa: E402,F401
