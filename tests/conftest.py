"""Shared test setup: no display, no audio, settings in a temporary file, and the repository
root on sys.path."""

import os
import sys
import tempfile
from pathlib import Path

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
