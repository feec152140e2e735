"""GridWorld-v0: the tutorial's gridworld as a standard Gymnasium environment.

## Description
An agent moves on a rows x cols grid of cells s1..sN (row-major from the top
left). Some cells are forbidden, one or more are targets. The task is
continuing: the episode is cut at ``horizon`` steps unless the layout says
the episode ends at the target.

## Action space
``Discrete(5)``: 0 = a1 up, 1 = a2 right, 2 = a3 down, 3 = a4 left, 4 = a5 stay.

## Observation space
``Discrete(S)``: the 0-based state index (s1 is 0). With ``one_hot=True``,
``Box(0, 1, (S,), float32)`` with a single 1 at the state index.

## Rewards
The layout's four rewards, by DESIGN.md's rules: r_boundary for trying to leave
the grid (the agent stays put), r_forbidden for moving into or staying on a
forbidden cell (entered, or bounced back in "wall" mode), r_target for landing on
or staying on a target, r_other otherwise.

## Starting state
The layout's start cell, or ``reset(options={"state": i})`` for state index i.

## Episode end
Terminated when a terminal target is entered (only with ``target_terminal``);
truncated after ``horizon`` steps.

## Arguments
``gymnasium.make("gridsim/GridWorld-v0", layout=PATH_OR_WORLD_OR_DICT, one_hot=False,
render_mode=None)``; the layout defaults to the tutorial's 3x3 world.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gridsim.layout import load_layout, world_from_dict
from gridsim.limits import short_repr
from gridsim.tables import build_tables
from gridsim.world import N_ACTIONS, World, default_world

ENV_ID = "gridsim/GridWorld-v0"


def resolve_world(layout) -> World:
    """A World from a World, a layout dict, a path to a layout file, or None (the tutorial's)."""
    if layout is None:
        return default_world()
    if isinstance(layout, World):
        return layout
    if isinstance(layout, dict):
        return world_from_dict(layout)
    if isinstance(layout, str | Path):
        return load_layout(layout)
    raise TypeError(f"layout must be a World, a dict or a path, got {type(layout).__name__}")


class GridWorldEnv(gym.Env):
    metadata = {"render_modes": [], "render_fps": 4}

    def __init__(self, layout=None, one_hot: bool = False, render_mode: str | None = None):
        if render_mode is not None:
            raise ValueError("GridWorld-v0 has no render modes yet; the app draws it")
        self.world = resolve_world(layout)
        self.tables = build_tables(self.world)
        self.one_hot = one_hot
        self.render_mode = render_mode
        n = self.world.n_states
        self.action_space = spaces.Discrete(N_ACTIONS)
        if one_hot:
            self.observation_space = spaces.Box(0.0, 1.0, shape=(n,), dtype=np.float32)
        else:
            self.observation_space = spaces.Discrete(n)
        self.state = self.world.start
        self.steps = 0

    def _observation(self):
        if not self.one_hot:
            return int(self.state)
        obs = np.zeros(self.world.n_states, dtype=np.float32)
        obs[self.state] = 1.0
        return obs

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        if options is not None and not isinstance(options, dict):
            raise TypeError(
                f"options must be a dict like {{'state': 0}} or None, got {short_repr(options)}"
            )
        unknown = sorted(set(options or {}) - {"state"}, key=str)
        if unknown:
            raise ValueError(f"options: unknown key {short_repr(unknown[0])} (known: 'state')")
        super().reset(seed=seed)
        state = (options or {}).get("state", self.world.start)
        if isinstance(state, bool) or not isinstance(state, int | np.integer):
            raise ValueError(f"options['state'] must be a state index, got {short_repr(state)}")
        if not 0 <= state < self.world.n_states:
            raise ValueError(
                f"options['state'] must be in 0..{self.world.n_states - 1}, got {state}"
            )
        self.state = int(state)
        self.steps = 0
        return self._observation(), {"state_name": f"s{self.state + 1}"}

    def step(self, action):
        if isinstance(action, bool | np.bool_) or not self.action_space.contains(action):
            raise ValueError(
                f"action must be an integer in 0..{N_ACTIONS - 1} (a1..a5), "
                f"got {short_repr(action)}"
            )
        a = int(action)
        reward = float(self.tables.reward[self.state, a])
        terminated = bool(self.tables.done[self.state, a])
        self.state = int(self.tables.next_state[self.state, a])
        self.steps += 1
        truncated = self.steps >= self.world.horizon and not terminated
        return (
            self._observation(),
            reward,
            terminated,
            truncated,
            {"state_name": f"s{self.state + 1}"},
        )
