"""Every numeric range GridSim accepts, in one place, each with the reason for its bound.

A number enters GridSim from a layout file, a box in the app, a command-line flag or a
``--set`` override; all of them check it here, so the same value is refused everywhere with
the same one-line message naming the field and the range::

    check(REWARD, 1e308, "rewards.target")
    # LimitError: rewards.target: must be from -1000 to 1000, got 1e+308

Why the reward, gamma and horizon bounds keep every number finite (the README's "Limits"
table is generated from ``LIMITS``; tests/test_limits.py proves these bounds):

- a discounted value is at most R/(1-gamma) = 1000/(1-0.999) = 1e6 in size;
- an undiscounted episode return is at most horizon * R = 1e5 * 1e3 = 1e8;
- both are far inside float32 (3.4e38, the trainer's tensors) and print as short text;
- the exact solvers stay exact: the Bellman solve's error is about cond * eps * |V| =
  1e3 * 2.2e-16 * 1e6 ~ 2e-7, below the 1e-6 at which a policy counts as optimal.

Pure standard library: the core, the app and the trainer all import it.
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


class LimitError(ValueError):
    """A value outside its documented range; str() is one line naming the field."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(f"{field_name}: {reason}" if field_name else reason)
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Limit:
    """A closed range [low, high] of accepted values (``low_open`` excludes ``low``)."""

    what: str
    """What is limited, as the README's table names it."""
    low: float
    high: float
    why: str
    """The reason for the bound (one sentence; shown in the README)."""
    whole: bool = False
    """Only whole numbers (an int; 1e3 is accepted as 1000)."""
    low_open: bool = False
    """``low`` itself is refused (e.g. a learning rate must be > 0)."""
    unit: str = ""
    """Shown after the numbers, e.g. "bytes"."""

    def range_text(self) -> str:
        """The range in words: 'from 1 to 12', 'greater than 0 and at most 10'."""
        low, high = number_text(self.low), number_text(self.high)
        unit = f" {self.unit}" if self.unit else ""
        if self.low_open:
            return f"greater than {low} and at most {high}{unit}"
        return f"from {low} to {high}{unit}"

    def table_range(self) -> str:
        """The range as the README's table writes it: '1 – 12', '> 0, ≤ 10'."""
        sizes = self.unit == "bytes"
        low, high = number_text(self.low, sizes), number_text(self.high, sizes)
        unit = f" {self.unit}" if self.unit and self.unit != "bytes" else ""
        if self.low_open:
            return f"> {low}, ≤ {high}{unit}"
        return f"{low} – {high}{unit}"

    def contains(self, value) -> bool:
        """True when ``value`` is a number of the right kind inside the range."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.whole and not isinstance(value, int):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        above_low = value > self.low if self.low_open else value >= self.low
        return above_low and value <= self.high


def number_text(x: float, sizes: bool = False) -> str:
    """A bound as a person reads it: 12, 0.999, 65,536, 2^64 - 1; 1 MiB when ``sizes``."""
    if sizes and x >= KIB and x % KIB == 0:
        for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
            if x % size == 0:
                return f"{int(x) // size} {unit}"
    if x == 2**64 - 1:
        return "2^64 - 1"
    if isinstance(x, int) or float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    return f"{x:g}"


_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = 40
_SHORT.maxother = 40
_SHORT.maxlong = 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = 4


def short_repr(value) -> str:
    """repr() cut to a readable length: safe for a 100,000-deep list or a 5,000-digit int."""
    try:
        return short_text(_SHORT.repr(value), 80)
    except (RecursionError, ValueError):  # pragma: no cover - reprlib already bounds both
        return f"<{type(value).__name__}>"


def short_text(text: str, limit: int = 120) -> str:
    """``text`` kept whole up to ``limit`` characters, else its start and end around '...'
    (a 5,000-character path still makes a one-line message)."""
    text = str(text)
    if len(text) <= limit:
        return text
    keep = (limit - 3) // 2
    return f"{text[:keep]}...{text[-keep:]}"


def check(limit: Limit, value, field_name: str, *, shown: str | None = None):
    """``value`` (an int when ``limit.whole``, else a float) if it is inside ``limit``,
    else LimitError(field_name, 'must be from A to B, got X'); ``shown`` is X (default: a
    short repr of ``value``)."""
    shown = short_repr(value) if shown is None else shown
    kind = "a whole number" if limit.whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LimitError(field_name, f"must be {kind} {limit.range_text()}, got {shown}")
    if limit.whole and isinstance(value, float):
        if not value.is_integer():
            raise LimitError(field_name, f"must be a whole number, got {shown}")
        value = int(value)
    if not limit.contains(value):
        raise LimitError(field_name, f"must be {limit.range_text()}, got {shown}")
    return int(value) if limit.whole else float(value)


def parse(limit: Limit, text: str, field_name: str):
    """The number typed as ``text`` (a box, a flag, ``--set``), checked against ``limit``.

    Accepts what a person writes: '0.9', '1e3', ' 42 '; whole numbers may be written as
    1e3 but not 2.5. Refuses text longer than ``NUMBER_TEXT.high`` characters before
    converting it (Python refuses int() of more than 4,300 digits with a ValueError).
    """
    if not isinstance(text, str):
        return check(limit, text, field_name)
    raw = text.strip()
    if len(raw) > NUMBER_TEXT.high:
        raise LimitError(
            field_name,
            f"{short_repr(raw)} is too long for a number "
            f"(at most {number_text(NUMBER_TEXT.high)} characters)",
        )
    kind = "a whole number" if limit.whole else "a number"
    value: int | float
    try:
        value = int(raw) if limit.whole and raw.lstrip("+-").isdigit() else float(raw)
    except ValueError:
        raise LimitError(field_name, f"expected {kind}, got {short_repr(raw)}") from None
    return check(limit, value, field_name, shown=raw)


# --- the world (layout files, the app's editor, solve/train flags) -----------------------

GRID_SIDE = Limit(
    "Grid rows and columns (layout file)",
    1,
    12,
    "144 states at most: the exact solvers stay instant and every cell keeps room for its "
    "label in a 1024x700 window.",
    whole=True,
)
EDIT_SIDE = Limit(
    "Grid rows and columns (the app's size boxes)",
    2,
    10,
    "A 1x1 world has nothing to learn; beyond 10x10 the cells are too small to click and "
    "label comfortably.",
    whole=True,
)
REWARD = Limit(
    "Each reward (boundary, forbidden, target, other)",
    -1000,
    1000,
    "With gamma <= 0.999 every value stays within 1000/(1-0.999) = 1e6 and every return "
    "within horizon * 1000 = 1e8: finite in float32 and exact to 1e-6 in the solvers.",
)
GAMMA = Limit(
    "Discount gamma of the world",
    0,
    0.999,
    "The values of the infinite discounted task are finite only for gamma < 1; 0.999 keeps "
    "the Bellman solve well conditioned (1/(1-gamma) <= 1000).",
)
HORIZON = Limit(
    "Episode horizon T",
    1,
    100_000,
    "Bounds a training episode's length, its return (T * 1000 = 1e8) and the rollout memory "
    "of whole-episode methods.",
    whole=True,
)

# --- training: seeds, budgets, hyper-parameters (--seed, --max-steps, --set, app boxes) ---

SEED = Limit(
    "Random seed",
    0,
    2**64 - 1,
    "torch.manual_seed and numpy take seeds of at most 64 bits.",
    whole=True,
)
MAX_STEPS = Limit(
    "Env-step budget (train --max-steps)",
    1,
    10**12,
    "A budget, not an allocation; 10^12 steps is weeks of training at a million steps a second.",
    whole=True,
)
SEEDS_PER_ALGORITHM = Limit(
    "Seeds per algorithm (compare --seeds)",
    1,
    1000,
    "Each seed is a whole training run; a thousand per algorithm is already days of work.",
    whole=True,
)
WORKERS = Limit(
    "Local worker processes (compare --workers)",
    1,
    256,
    "Each worker is a process holding torch (about 300 MB); more than the cores only adds memory.",
    whole=True,
)
EVAL_EPISODES = Limit(
    "Episodes evaluated (eval --episodes)",
    1,
    100_000,
    "Enough for a mean within a few thousandths; each episode runs the policy step by step.",
    whole=True,
)
LR = Limit(
    "Learning rates (lr, vf_lr)",
    0,
    10,
    "Adam moves each weight by about lr per step; beyond 10 a softmax table or network "
    "saturates in one update and learning stops.",
    low_open=True,
)
NUM_ENVS = Limit(
    "Parallel environments (num_envs)",
    1,
    65_536,
    "Each walker is a row of every rollout array; the update-memory budget below bounds the "
    "product with the steps.",
    whole=True,
)
STEPS_PER_UPDATE = Limit(
    "Steps per update (batch_steps, n_steps, minibatch_size)",
    1,
    10_000_000,
    "A batch is held in memory with its computation graph; the update-memory budget below "
    "bounds it with the network's size.",
    whole=True,
)
ITERATIONS = Limit(
    "Passes per update (epochs, vf_iters)",
    1,
    10_000,
    "Each pass is a full sweep of the batch; more would keep one update busy for minutes.",
    whole=True,
)
HIDDEN_WIDTH = Limit(
    "Width of a hidden layer (hidden)",
    1,
    4096,
    "Wider layers gain nothing on CartPole's 4 inputs; the parameter budget bounds the rest.",
    whole=True,
)
HIDDEN_LAYERS = Limit(
    "Hidden layers (hidden)",
    0,
    8,
    "Deeper networks gain nothing on these tasks and train slowly.",
    whole=True,
)
COEFFICIENT = Limit(
    "Any other real hyper-parameter (clip, ent_coef, vf_coef, kl_coef, max_grad_norm, ...)",
    -1e6,
    1e6,
    "Every term of a loss stays finite in float32; the algorithm's own checks narrow it "
    "further (e.g. clip > 0).",
)
TEMPERATURE = Limit(
    "Labeller temperature (prefs --temperature)",
    0,
    1e6,
    "P(1 beats 2) = sigma((R1 - R2) / T): 0 is a hard choice, and past the largest return gap "
    "every label is a coin flip already.",
)
COUNT = Limit(
    "Any other whole-number hyper-parameter",
    0,
    10**12,
    "A count of steps or items; 10^12 is beyond any run on one machine.",
    whole=True,
)
PARAMETERS = Limit(
    "Network parameters in all",
    1,
    50_000_000,
    "50 M float32 weights, with their gradients and Adam's two moments, are 800 MB.",
    whole=True,
)
UPDATE_MEMORY = Limit(
    "Estimated memory of one update",
    1,
    4 * GIB,
    "Rollout arrays plus the activations kept for the backward pass "
    "(gridsim.limits.update_memory_bytes), estimated before anything is allocated: a quarter "
    "of a 16 GB machine, so the app and everything else keep running.",
    whole=True,
    unit="bytes",
)

# --- the app and the command line --------------------------------------------------------

WINDOW_WIDTH = Limit(
    "Window width (--size)",
    1024,
    7680,
    "The panels are laid out for at least 1024x700; 7680 is an 8K screen.",
    whole=True,
    unit="px",
)
WINDOW_HEIGHT = Limit(
    "Window height (--size)",
    700,
    4320,
    "The panels are laid out for at least 1024x700; 4320 is an 8K screen.",
    whole=True,
    unit="px",
)
FRAMES = Limit(
    "Frames to run (--frames)",
    1,
    10_000_000,
    "Almost two days at 60 frames a second.",
    whole=True,
)
PAUSE_AFTER = Limit(
    "Updates before the app pauses (gui --pause-after)",
    1,
    10_000,
    "Made one Step at a time for a repeatable picture; more is a training run: use train.",
    whole=True,
)
NUMBER_TEXT = Limit(
    "Characters in a typed number (boxes, flags, --set)",
    1,
    64,
    "Longer text is not a number anyone means; refusing it first keeps int() from its "
    "4,300-digit ValueError.",
    whole=True,
)

# --- files --------------------------------------------------------------------------------

LAYOUT_FILE_BYTES = Limit(
    "Layout file size",
    0,
    1 * MIB,
    "A 12x12 layout is under 10 KiB; anything bigger is not a layout.",
    whole=True,
    unit="bytes",
)
SETTINGS_FILE_BYTES = Limit(
    "Settings file size",
    0,
    64 * KIB,
    "The settings are a handful of keys; a bigger file is not ours and must not slow the start-up.",
    whole=True,
    unit="bytes",
)
PREFERENCE_FILE_BYTES = Limit(
    "Preference file size (JSON Lines)",
    0,
    16 * MIB,
    "Room for the row limit below at 20-step trajectories; anything bigger is refused before "
    "it is parsed.",
    whole=True,
    unit="bytes",
)
PREFERENCE_ROWS = Limit(
    "Pairs or judgements in a preference file (and prefs --pairs)",
    1,
    100_000,
    "Far more labels than a gridworld needs; each row is held in memory as trajectories.",
    whole=True,
)
AGENT_FILE_BYTES = Limit(
    "Agent file size (agent.pt)",
    0,
    512 * MIB,
    "Two networks at the parameter budget (50 M float32 weights) fit; checked before "
    "torch.load reads it.",
    whole=True,
    unit="bytes",
)
COMPARE_FILE_BYTES = Limit(
    "Comparison file size (compare.json, a run's summary.json)",
    0,
    1 * MIB,
    "Both hold settings and a few numbers (a few KiB); read again by compare --resume.",
    whole=True,
    unit="bytes",
)
JSON_DEPTH = Limit(
    "JSON nesting depth",
    1,
    32,
    "Layouts and settings nest 2 or 3 levels; deeper input would make Python's parser "
    "recurse to a RecursionError.",
    whole=True,
)
JSON_NUMBER_DIGITS = Limit(
    "Digits in a JSON number",
    1,
    100,
    "No meaningful value needs more; Python refuses ints of more than 4,300 digits with a "
    "ValueError.",
    whole=True,
)

LIMITS: dict[str, Limit] = {
    name: value for name, value in globals().items() if isinstance(value, Limit)
}
"""Every limit by its constant's name, in the order defined (the README's table order)."""


# --- memory estimates (before anything is allocated) -------------------------------------

FLOAT_BYTES = 4
"""torch's default float32."""


def mlp_parameters(n_inputs: int, hidden: tuple[int, ...], n_outputs: int) -> int:
    """Weights and biases of an MLP n_inputs -> hidden[0] -> ... -> n_outputs."""
    widths = (n_inputs, *hidden, n_outputs)
    return sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False))


def update_memory_bytes(transitions: int, n_inputs: int, hidden: tuple[int, ...]) -> int:
    """Estimated peak bytes of one update over ``transitions`` steps.

    Per transition: the rollout's arrays (observation in float64, action, reward, flags:
    8 * n_inputs + 32 bytes) and, for the forward and backward pass of the policy and a
    critic, about three float32 activations per unit of every layer
    (2 networks * 3 * 4 bytes * (n_inputs + sum(hidden) + 6)).
    """
    rollout = 8 * n_inputs + 32
    graph = 2 * 3 * FLOAT_BYTES * (n_inputs + sum(hidden) + 6)
    return int(transitions) * (rollout + graph)


def check_update_size(
    transitions: int, n_inputs: int, hidden: tuple[int, ...], n_outputs: int, what: str
) -> None:
    """LimitError when one update would hold more than UPDATE_MEMORY or the networks more
    than PARAMETERS; ``what`` names the settings to lower ('num_envs and n_steps')."""
    params = 2 * mlp_parameters(n_inputs, hidden, n_outputs)
    if params > PARAMETERS.high:
        raise LimitError(
            "hidden",
            f"layers {','.join(map(str, hidden))} need {params:,} parameters; "
            f"the limit is {PARAMETERS.high:,}",
        )
    need = update_memory_bytes(transitions, n_inputs, hidden)
    if need > UPDATE_MEMORY.high:
        raise LimitError(
            "update size",
            f"one update of {transitions:,} steps would need about {need / GIB:.1f} GiB; "
            f"the limit is {UPDATE_MEMORY.high // GIB} GiB (lower {what})",
        )


def markdown_table() -> str:
    """The README's "Limits" table, generated from ``LIMITS`` (a test keeps them equal)."""
    lines = ["| What | Accepted | Why |", "| --- | --- | --- |"]
    for limit in LIMITS.values():
        lines.append(f"| {limit.what} | {limit.table_range()} | {limit.why} |")
    return "\n".join(lines)
