"""Names of the algorithms and environments (torch-free, safe to import from the UI)."""

from __future__ import annotations

from gridsim.limits import short_repr

ALGORITHMS: tuple[str, ...] = (
    "simple_pg",
    "rtg_pg",
    "reinforce",
    "vpg",
    "ppo",
    "grpo",
    "dpo",
    "kto",
    "rlhf",
)
"""Every trainable algorithm, in the tutorial's order."""

ALGORITHM_CLASSES: dict[str, tuple[str, str]] = {
    "simple_pg": ("agents.simple_pg", "SimplePG"),
    "rtg_pg": ("agents.rtg_pg", "RewardToGoPG"),
    "reinforce": ("agents.reinforce", "Reinforce"),
    "vpg": ("agents.vpg", "VPG"),
    "ppo": ("agents.ppo", "PPO"),
    "grpo": ("agents.grpo", "GRPO"),
    "dpo": ("agents.dpo", "DPO"),
    "kto": ("agents.kto", "KTO"),
    "rlhf": ("agents.rlhf", "RLHF"),
}
"""Each algorithm's module and agent class (names only: importing them imports torch)."""

ENVS: tuple[str, ...] = ("gridworld", "cartpole")
"""Every environment an algorithm can be trained on."""

ALGORITHM_TITLES: dict[str, str] = {
    "simple_pg": "Simplest policy gradient (weights R(tau))",
    "rtg_pg": "Reward-to-go policy gradient",
    "reinforce": "REINFORCE (discounted reward-to-go)",
    "vpg": "Vanilla policy gradient (value baseline, GAE)",
    "ppo": "PPO (clipped surrogate, GAE)",
    "grpo": "GRPO (group-relative advantages, no critic)",
    "dpo": "DPO (preferences, no reward model)",
    "kto": "KTO (thumbs up / down, no reward model)",
    "rlhf": "RLHF (a Bradley-Terry reward model, then PPO)",
}

PREFERENCE_ALGORITHMS: tuple[str, ...] = ("dpo", "kto", "rlhf")
"""The algorithms that learn from preferences (labels) instead of rewards."""

CARTPOLE_SOLVED_RETURN = 475.0
"""CartPole-v1 is solved when the mean of the last 100 training-episode returns reaches this."""

CARTPOLE_SOLVED_WINDOW = 100


def check_algorithm(name: str) -> str:
    """``name`` if it is a known algorithm, else ValueError listing the known ones."""
    if name not in ALGORITHMS:
        raise ValueError(
            f"unknown algorithm {short_repr(name)} (choose from {', '.join(ALGORITHMS)})"
        )
    return name


def check_env(name: str) -> str:
    """``name`` if it is a known environment, else ValueError listing the known ones."""
    if name not in ENVS:
        raise ValueError(f"unknown env {short_repr(name)} (choose from {', '.join(ENVS)})")
    return name
