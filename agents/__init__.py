"""Policy-gradient agents for GridSim (torch lives in the submodules, not here).

Importing ``agents`` stays cheap so the app's first frame is fast: the names of
the algorithms and environments come from the torch-free ``agents.registry``;
``agents.trainer`` (torch) is imported only when training starts.
"""

from agents.registry import ALGORITHMS, ENVS

__all__ = ["ALGORITHMS", "ENVS"]
