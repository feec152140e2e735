"""Seeded maze worlds: the big gridworlds the bench and the tests learn on.

A maze is a rows x cols world with short walls of forbidden cells (r_forbidden = -10),
the start in the top-left cell and the target in the far (bottom-right) corner:

    r_boundary = -1, r_forbidden = -10, r_target = +1, r_other = -0.1,
    gamma = 0.95, horizon = 60

(the rewards of the shipped 5x5 maze, ``zhao_5x5.json``, with the horizon and gamma of a
world whose far cells are ~20 steps from the target: gamma^20 = 0.36 still carries the
target's value back to the start). About 16 % of the cells are forbidden (16 on a 10x10).

Every maze is solvable in the strong sense: every free cell reaches the target through
free cells, so even with ``forbidden_mode="wall"`` no region is cut off. One seed gives
the same walls whatever the mode and terminal flag, so the bench compares the four
variants of one maze.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from gridsim.world import Rewards, World

MAZE_REWARDS = Rewards(boundary=-1.0, forbidden=-10.0, target=1.0, other=-0.1)
MAZE_GAMMA = 0.95
MAZE_HORIZON = 60
FORBIDDEN_SHARE = 0.16
"""Share of the cells that are forbidden (16 of 100 on a 10x10, 10 of 64 on an 8x8)."""
WALL_LENGTHS = (1, 2, 3)
"""Walls are straight runs of this many cells, drawn at random."""
MAX_ATTEMPTS = 10_000


class MazeError(ValueError):
    """No solvable maze with these settings (too many forbidden cells for the grid)."""


def maze(
    rows: int,
    cols: int | None = None,
    seed: int = 0,
    *,
    forbidden_mode: str = "enter",
    target_terminal: bool = False,
    n_forbidden: int | None = None,
    gamma: float = MAZE_GAMMA,
    horizon: int = MAZE_HORIZON,
    rewards: Rewards = MAZE_REWARDS,
) -> World:
    """A solvable rows x cols maze drawn from ``seed`` (the same seed, the same walls).

    ``n_forbidden`` defaults to round(16 % of the cells). Raises MazeError when no
    solvable placement turns up (only for absurd counts, e.g. every cell forbidden).
    """
    cols = rows if cols is None else cols
    n = rows * cols
    start, target = 0, n - 1
    count = round(FORBIDDEN_SHARE * n) if n_forbidden is None else int(n_forbidden)
    if not 0 <= count <= max(0, n - 2):
        raise MazeError(f"a {rows}x{cols} maze can hold 0 to {max(0, n - 2)} forbidden cells")
    rng = np.random.default_rng(seed)
    for _ in range(MAX_ATTEMPTS):
        forbidden = _draw_walls(rng, rows, cols, count, keep_free={start, target})
        if all_free_cells_reach(rows, cols, forbidden, target):
            return World(
                rows=rows,
                cols=cols,
                forbidden=frozenset(forbidden),
                targets=frozenset({target}),
                start=start,
                rewards=rewards,
                gamma=gamma,
                forbidden_mode=forbidden_mode,
                target_terminal=target_terminal,
                horizon=horizon,
            )
    raise MazeError(f"no solvable {rows}x{cols} maze with {count} forbidden cells found")


def _draw_walls(rng, rows: int, cols: int, count: int, keep_free: set[int]) -> set[int]:
    """``count`` forbidden cells laid as short horizontal or vertical walls."""
    cells: set[int] = set()
    while len(cells) < count:
        length = int(rng.choice(WALL_LENGTHS))
        dr, dc = (0, 1) if rng.random() < 0.5 else (1, 0)
        r, c = int(rng.integers(rows)), int(rng.integers(cols))
        for i in range(length):
            rr, cc = r + i * dr, c + i * dc
            s = rr * cols + cc
            if rr >= rows or cc >= cols or len(cells) >= count:
                break
            if s not in keep_free:
                cells.add(s)
    return cells


def all_free_cells_reach(rows: int, cols: int, forbidden, target: int) -> bool:
    """True when every non-forbidden cell reaches ``target`` through non-forbidden cells."""
    forbidden = set(forbidden)
    seen = {target}
    todo = deque([target])
    while todo:
        r, c = divmod(todo.popleft(), cols)
        for rr, cc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            s = rr * cols + cc
            if 0 <= rr < rows and 0 <= cc < cols and s not in forbidden and s not in seen:
                seen.add(s)
                todo.append(s)
    return len(seen) == rows * cols - len(forbidden)


def maze_name(world: World, seed: int) -> str:
    """A short label such as ``10x10 s3 enter cont`` (size, seed, mode, target)."""
    target = "term" if world.target_terminal else "cont"
    return f"{world.rows}x{world.cols} s{seed} {world.forbidden_mode} {target}"


def maze_suite(
    sizes=(8, 10), seeds=(0, 1, 2), modes=("enter", "wall"), terminal=(False, True)
) -> list[tuple[str, World]]:
    """(name, world) for every size x seed x mode x target kind: the bench's set of mazes."""
    return [
        (maze_name(w, seed), w)
        for size in sizes
        for seed in seeds
        for mode in modes
        for term in terminal
        for w in [maze(size, size, seed, forbidden_mode=mode, target_terminal=term)]
    ]
