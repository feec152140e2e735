"""GridSim core: the tutorial's gridworld, its exact solvers and its Gymnasium env (pure numpy).

Importing this package registers ``gridsim/GridWorld-v0`` with Gymnasium and
loads neither pygame nor torch.
"""

import gymnasium

from gridsim.world import ACTIONS, World, WorldError, default_world

__all__ = ["ACTIONS", "World", "WorldError", "default_world"]

if "gridsim/GridWorld-v0" not in gymnasium.registry:
    gymnasium.register(id="gridsim/GridWorld-v0", entry_point="gridsim.env:GridWorldEnv")
