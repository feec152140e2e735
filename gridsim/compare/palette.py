"""One colour per algorithm, the same in compare.png and in the app's Compare tab."""

from __future__ import annotations

# matplotlib's tab10 colours, in the tutorial's order of the algorithms
ALGO_COLORS: dict[str, tuple[int, int, int]] = {
    "simple_pg": (214, 39, 40),
    "rtg_pg": (255, 127, 14),
    "reinforce": (148, 103, 189),
    "vpg": (44, 160, 44),
    "ppo": (31, 119, 180),
    "grpo": (140, 86, 75),
}
OTHERS = ((227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207))


def algo_color(algo: str) -> tuple[int, int, int]:
    """The colour of ``algo`` (0-255 RGB); algorithms added later take the spare colours."""
    if algo in ALGO_COLORS:
        return ALGO_COLORS[algo]
    return OTHERS[sum(map(ord, algo)) % len(OTHERS)]
