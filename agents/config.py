"""Hyper-parameters shared by every algorithm, and parsing of ``--set KEY=VALUE`` overrides.

Each algorithm module subclasses ``CommonConfig`` with its own fields, one
docstring line each, and ships per-env defaults (``DEFAULTS[env]``).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass

from gridsim import limits
from gridsim.limits import LimitError, short_repr


class ConfigError(ValueError):
    """A bad hyper-parameter name or value; the message is one line for the user."""


FIELD_LIMITS: dict[str, limits.Limit] = {
    "lr": limits.LR,
    "vf_lr": limits.LR,
    "num_envs": limits.NUM_ENVS,
    "group_size": limits.NUM_ENVS,
    "batch_steps": limits.STEPS_PER_UPDATE,
    "n_steps": limits.STEPS_PER_UPDATE,
    "minibatch_size": limits.STEPS_PER_UPDATE,
    "epochs": limits.ITERATIONS,
    "vf_iters": limits.ITERATIONS,
    "anneal_steps": limits.COUNT,
}
"""The documented range of each hyper-parameter (gridsim.limits); any other real-valued one
is held to limits.COEFFICIENT, any other whole-number one to limits.COUNT."""


def check_field_limits(cfg) -> None:
    """ConfigError naming the first field outside its range in gridsim.limits."""
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        try:
            if f.name == "hidden":
                check_hidden(value)
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            limit = FIELD_LIMITS.get(f.name)
            if limit is None:
                limit = limits.COUNT if isinstance(value, int) else limits.COEFFICIENT
            limits.check(limit, value, f.name)
        except LimitError as e:
            raise ConfigError(str(e)) from None


def check_hidden(hidden) -> None:
    """LimitError unless ``hidden`` is a tuple of at most HIDDEN_LAYERS widths, each within
    HIDDEN_WIDTH."""
    if not isinstance(hidden, tuple):
        raise LimitError(
            "hidden", f"expected layer widths like 64,64, got {limits.short_repr(hidden)}"
        )
    if len(hidden) > limits.HIDDEN_LAYERS.high:
        raise LimitError("hidden", f"at most {limits.HIDDEN_LAYERS.high} layers, got {len(hidden)}")
    for width in hidden:
        limits.check(limits.HIDDEN_WIDTH, width, "hidden")


@dataclass(frozen=True)
class CommonConfig:
    """Hyper-parameters every algorithm has."""

    lr: float = 1e-2
    """Adam step size of the policy."""
    num_envs: int = 16
    """Environments stepped together by the rollout collector."""
    hidden: tuple[int, ...] = (32,)
    """Hidden layer widths of the MLPs (CartPole; the gridworld uses tables)."""
    grid_starts: str = "uniform"
    """Gridworld: episodes start in a uniformly drawn non-terminal cell ("uniform") or the
    layout's start cell ("start")."""
    max_grad_norm: float = 0.0
    """Clip the gradient's global norm to this before each step; 0 turns clipping off."""
    ent_coef: float = 0.0
    """Weight of the entropy bonus -ent_coef * H(pi(.|s)) in the loss (0: none); keeps a
    softmax table from saturating on an early, wrong favourite."""
    optimizer: str = "adam"
    """"adam", or "sgd" (plain gradient steps: a table's rarely visited states move slowly)."""
    adam_beta2: float = 0.999
    """Adam's decay of its running mean of squared gradients (its memory: ~1 / (1 - beta2)
    steps). On a softmax table a shorter memory (0.99) matters: once a state's policy has
    saturated on a wrong favourite its gradients shrink by orders of magnitude, and with a
    1000-step memory Adam keeps dividing them by the old, large scale, so the state freezes;
    with 100 steps it moves again at full step size when the evidence turns."""

    def __post_init__(self) -> None:
        self.validate()
        check_field_limits(self)  # after the algorithm's own checks, which say more

    def validate(self) -> None:
        """Raise ConfigError naming the first bad field (ranges: gridsim.limits)."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{f.name} must be finite, got {value}")
        positive(self, "lr", "num_envs")
        if not 0.0 <= self.adam_beta2 < 1.0:
            raise ConfigError(f"adam_beta2 must be in [0, 1), got {self.adam_beta2}")
        at_least(self, 0.0, "max_grad_norm", "ent_coef")
        if any(h < 1 for h in self.hidden):
            raise ConfigError(f"hidden layer widths must be >= 1, got {self.hidden}")
        if self.optimizer not in ("adam", "sgd"):
            raise ConfigError(
                f"optimizer must be 'adam' or 'sgd', got {short_repr(self.optimizer)}"
            )
        if self.grid_starts not in ("uniform", "start"):
            raise ConfigError(
                f"grid_starts must be 'uniform' or 'start', got {short_repr(self.grid_starts)}"
            )


@dataclass(frozen=True)
class EpisodeConfig(CommonConfig):
    """Hyper-parameters of the methods that learn from whole episodes (simple_pg, rtg_pg,
    reinforce)."""

    batch_steps: int = 5000
    """Real transitions per update; the episodes running then are finished (tutorial:
    batch_size)."""
    gamma: float | None = 1.0
    """Discount of the rewards; 1 is the tutorial's plain sum; none: the gridworld's gamma."""

    def validate(self) -> None:
        super().validate()
        positive(self, "batch_steps")
        in_unit(self, "gamma")


TUTORIAL_STATES = 9
"""The tutorial's 3x3: its defaults were tuned on it and stay as they are."""
SMALL_WORLD_STATES = 25
"""Up to this many states (the 5x5 maze) a gridworld learns with the small-world defaults."""
BIG_WORLD_STATES = 100
"""From this many states (the 10x10 mazes) on, with the big-world defaults."""


def world_size(n_states: int) -> float:
    """Where a gridworld sits between the small (0) and the big (1) defaults: log(S / 25) /
    log(100 / 25), clipped to [0, 1]. The 8x8 (64 states) is at 0.68."""
    t = math.log(max(n_states, 1) / SMALL_WORLD_STATES) / math.log(
        BIG_WORLD_STATES / SMALL_WORLD_STATES
    )
    return min(1.0, max(0.0, t))


def between(n_states: int, small: float, big: float) -> float:
    """A hyper-parameter tuned at the two ends: ``small`` up to 25 states, ``big`` from 100
    on, geometric in between (linear when one end is 0, e.g. an entropy bonus)."""
    t = world_size(n_states)
    if small > 0 and big > 0:
        return small ** (1 - t) * big**t
    return small + (big - small) * t


WALKERS_PER_GROUP = 64
STATE_STEPS_PER_GROUP = 750
"""S x H of the 5x5 maze (25 states, horizon 30): one group of 64 walkers per this much."""
MAX_WALKERS = 2048


def walkers_for(n_states: int, horizon: int) -> int:
    """num_envs of the methods that step every walker n_steps per update (vpg, ppo): 64
    walkers per 750 state-steps S x H (at most 2048). Episodes start uniformly and last H
    steps, so an update of num_envs x n_steps steps starts num_envs x n_steps / (S x H)
    episodes in every state: ~2.7 with n_steps = 32, on the 5x5 maze as on a 10x10 one."""
    groups = max(1, round(n_states * horizon / STATE_STEPS_PER_GROUP))
    return min(MAX_WALKERS, WALKERS_PER_GROUP * groups)


def positive(cfg, *names: str) -> None:
    for name in names:
        value = getattr(cfg, name)
        if not value > 0:
            raise ConfigError(f"{name} must be > 0, got {value}")


def at_least(cfg, low: float, *names: str) -> None:
    for name in names:
        value = getattr(cfg, name)
        if not value >= low:
            raise ConfigError(f"{name} must be >= {low:g}, got {value}")


def in_unit(cfg, *names: str, closed: bool = True) -> None:
    for name in names:
        value = getattr(cfg, name)
        if value is not None and not (0.0 <= value <= 1.0 if closed else 0.0 <= value < 1.0):
            raise ConfigError(f"{name} must be in [0, 1{']' if closed else ')'}, got {value}")


PATH_CHARS = 4096
"""The longest text a string hyper-parameter (a path such as ``ref``) may have: Linux's
PATH_MAX."""


def parse_value(name: str, text: str, kind) -> object:
    """Convert the text of ``--set name=text`` to the field's type, or raise ConfigError.

    A number longer than ``limits.NUMBER_TEXT`` characters is refused before converting (a
    5,000-digit number would otherwise hit Python's int() limit or become inf); text for a
    string field (a path) may be up to PATH_CHARS long.
    """
    text = text.strip()
    args = typing.get_args(kind)
    if type(None) in args:  # X | None
        if text.lower() in ("none", "null", ""):
            return None
        kind = next(a for a in args if a is not type(None))
    longest = PATH_CHARS if kind is str else int(limits.NUMBER_TEXT.high)
    if len(text) > longest:
        raise ConfigError(
            f"--set {name}: {limits.short_repr(text)} is too long (at most {longest} characters)"
        )
    try:
        if kind is bool:
            low = text.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
            raise ValueError
        if kind is int:
            return _whole(text)
        if kind is float:
            return float(text)
        if typing.get_origin(kind) is tuple:
            return tuple(_whole(part) for part in text.replace(" ", "").split(",") if part)
        if kind is str:
            return text
    except ValueError:
        pass
    expected = {bool: "true or false", int: "a whole number", float: "a number"}.get(
        kind,
        "comma-separated whole numbers like 64,64"
        if typing.get_origin(kind) is tuple
        else str(kind),
    )
    raise ConfigError(f"--set {name}: expected {expected}, got {short_repr(text)}")


def _whole(text: str) -> int:
    """'64' or '1e3' -> an int; ValueError for '2.5', 'inf', 'x'."""
    if text.lstrip("+-").isdigit():
        return int(text)
    number = float(text)
    if not number.is_integer():
        raise ValueError(text)
    return int(number)


def with_overrides(cfg, overrides: dict | None):
    """A copy of ``cfg`` with fields replaced; string values are parsed by the field's type."""
    if not overrides:
        return cfg
    hints = typing.get_type_hints(type(cfg))
    known = [f.name for f in dataclasses.fields(cfg)]
    changes = {}
    for name, value in overrides.items():
        if name not in known:
            raise ConfigError(
                f"unknown hyper-parameter {short_repr(name)} (known: {', '.join(known)})"
            )
        changes[name] = parse_value(name, value, hints[name]) if isinstance(value, str) else value
    try:
        return dataclasses.replace(cfg, **changes)
    except TypeError as e:
        raise ConfigError(str(e)) from None


def parse_set_args(items: list[str] | None) -> dict[str, str]:
    """``["lr=0.01", "hidden=64,64"]`` -> {"lr": "0.01", "hidden": "64,64"}."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--set expects KEY=VALUE, got {short_repr(item)}")
        out[name.strip()] = value
    return out


def config_to_dict(cfg) -> dict:
    """Plain JSON/torch-safe values (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(cfg).items()}


def episode_gridworld_config(config_class, world):
    """The gridworld defaults shared by simple_pg, rtg_pg and reinforce on ``world`` (S
    states): 512 walkers, one whole episode each and at least 10 000 steps per update, lr 0.1,
    ent_coef 0.1 on every world; adam_beta2 0.999 up to 25 states, 0.99 from 100 (``between``;
    see CommonConfig.adam_beta2). One place, so the three whole-episode estimators differ only
    in their weights Phi_t, as chapter 2 compares them."""
    return config_class(
        lr=0.1,
        num_envs=512,
        batch_steps=10000,
        gamma=None,
        ent_coef=0.1,
        adam_beta2=between(world.n_states, 0.999, 0.99),
    )
