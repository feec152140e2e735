"""Shared test setup: no display, no audio, settings in a temporary file, and the repository
root on sys.path."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
# the user's remembered settings (e.g. language = zh) must not leak into tests, nor tests
# overwrite them
os.environ["GRIDSIM_CONFIG"] = os.path.join(tempfile.mkdtemp(prefix="gridsim-tests-"), "s.json")
# recordings made with the R key go to the recordings folder: a temporary one, not ~/Videos
os.environ["GRIDSIM_RECORDINGS"] = tempfile.mkdtemp(prefix="gridsim-recordings-")
# the app's comparisons run on a scripted pool, not worker processes (gridsim.compare.testing)
os.environ["GRIDSIM_COMPARE_POOL"] = "fake"

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def made():
    """The fake trainers the ``app`` fixture's window has made, in order."""
    return []


@pytest.fixture
def app(made):
    """The window on fake trainers (gridsim.app.testing: no torch, no processes), in
    English, its settings not remembered; a test module may define its own."""
    from gridsim.app.app import App
    from gridsim.app.testing import fake_factory

    a = App(factory=fake_factory(made), lang="en", remember=False)
    a.frame()
    yield a
    a.close()
