"""The app's side of the trainer boundary: a controller over one trainer.

Pixel-free and torch-free: the default trainer trains in a child process
(agents.process_trainer), so the UI process never imports torch. Every call into
the trainer is guarded, so a failure becomes ``error`` text for a status line
instead of an exception in the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gridsim.world import World

GRID_ALGORITHMS = ("simple_pg", "rtg_pg", "reinforce", "vpg", "ppo", "grpo")
PREFERENCE_ALGORITHMS = ("dpo", "kto", "rlhf")
"""The algorithms that learn from labels (pairs for dpo and rlhf, verdicts for kto)."""

# The hyper-parameter behind the "batch" box of each algorithm, and how it is labelled.
BATCH_FIELDS: dict[str, tuple[str, str]] = {
    "simple_pg": ("batch_steps", "steps/update"),
    "rtg_pg": ("batch_steps", "steps/update"),
    "reinforce": ("batch_steps", "steps/update"),
    "vpg": ("n_steps", "steps/env"),
    "ppo": ("n_steps", "steps/env"),
    "grpo": ("num_envs", "episodes/update"),
    "dpo": ("num_envs", "episodes/update"),
    "kto": ("num_envs", "episodes/update"),
    "rlhf": ("num_envs", "episodes/update"),
}


def algorithms() -> tuple[str, ...]:
    """The trainable algorithms, from the torch-free registry (a fixed list if it is missing)."""
    try:
        from agents.registry import ALGORITHMS

        return tuple(ALGORITHMS)
    except ImportError:  # pragma: no cover - agents not installed
        return GRID_ALGORITHMS


def default_trainer_factory(env: str, algo: str, **kwargs):
    """Build an ``agents.process_trainer.ProcessTrainer``: the Trainer's interface, training
    in a child process (torch is imported there, never in the UI process)."""
    from agents.process_trainer import ProcessTrainer

    return ProcessTrainer(env, algo, **kwargs)


@dataclass
class Settings:
    """What the user chose in the training controls (applied when a trainer is made)."""

    algo: str = "reinforce"
    seed: int = 0
    overrides: dict = field(default_factory=dict)
    delay: float = 0.0
    """Seconds per update (the pace); 0 is full speed."""
    stop_when_solved: bool = True
    """Stop ("finished") at the first solve, in every scene: Run then keeps training."""
    labeller: str = "synthetic"
    """Where dpo, kto and rlhf get their labels: "synthetic" (the world's return decides) or
    "human" (the person at the labelling panel; the trainer waits for labels)."""


class TrainingController:
    """Run / Pause / Step / Reset over one lazily made trainer, for one env."""

    def __init__(self, env: str, settings: Settings | None = None, factory=None):
        self.env = env
        self.settings = settings or Settings()
        self.factory = factory or default_trainer_factory
        self.trainer = None
        self.error = ""
        self._world: World | None = None
        self._token = 0
        self.pairs: list = []
        """Every preference pair given so far (gridsim.preferences.Pair), oldest first."""
        self.judgements: list = []
        """Every desirable/undesirable verdict given so far (gridsim.preferences.Judgement)."""

    # --- commands -------------------------------------------------------------------
    def run(self) -> None:
        """Start training (making the trainer if needed), or resume it; a trainer whose
        process died is replaced by a fresh one."""
        self._forget_if_dead()
        if self.trainer is None:
            if self._make():
                self._call("start")
        else:
            status = self.status()
            self._call("resume" if status in ("paused", "running") else "start")

    def pause(self) -> None:
        if self.trainer is not None:
            self._call("pause")

    def step(self) -> None:
        """One update, then paused (on a fresh trainer if the last one died)."""
        self._forget_if_dead()
        if self.trainer is None and not self._make():
            return
        self._call("step_once")

    def reset(self) -> None:
        """Start over with a fresh policy (the trainer keeps its settings); the labels given
        so far stay, and the fresh run learns from them again. After the trainer's process
        died, back to idle (the next Run starts a fresh one)."""
        self._forget_if_dead()
        if self.trainer is not None:
            self._call("reset")
            self._send_labels(self.pairs, self.judgements)
        self.error = ""

    def add_preferences(self, pairs=(), judgements=()) -> None:
        """New labels (a person's, or a file's): kept here, and sent to the trainer, which
        trains on all labels so far. A new trainer (Run after a change of algorithm or
        settings, or Reset) is sent every label kept, so no label is lost."""
        pairs, judgements = tuple(pairs), tuple(judgements)
        self.pairs.extend(pairs)
        self.judgements.extend(judgements)
        if self.trainer is not None:
            self._send_labels(pairs, judgements)

    def forget_preferences(self) -> None:
        """Drop the labels kept here (a new grid size makes them meaningless); the trainer's
        own copies go with its next reset or replacement."""
        self.pairs.clear()
        self.judgements.clear()

    def _send_labels(self, pairs, judgements) -> None:
        if self.settings.algo in PREFERENCE_ALGORITHMS and (pairs or judgements):
            self._call("add_preferences", pairs=tuple(pairs), judgements=tuple(judgements))

    def set_world(self, world: World, *, keep_policy: bool) -> None:
        """Train on ``world`` from the next update on (a gridworld controller only)."""
        self._world = world
        if self.trainer is not None:
            self._call("set_world", world, keep_policy=keep_policy)

    def set_delay(self, seconds: float) -> None:
        self.settings.delay = seconds
        if self.trainer is not None:
            self._call("set_delay", seconds)

    def open_agent(self, path) -> int:
        """Ask the trainer (made if needed) to open the agent file ``path``; the token its
        report (the snapshot's ``agent_file``) will carry, or 0 when nothing was sent."""
        if self.trainer is None and not self._make():
            return 0
        self._token += 1
        self._call("open_agent", str(path), self._token)
        return self._token

    def save_agent(self, path) -> int:
        """Ask the trainer to save its run to ``path``; the report's token (0: no trainer)."""
        if self.trainer is None:
            return 0
        self._token += 1
        self._call("save_agent", str(path), self._token)
        return self._token

    def show_update(self, update: int | None) -> None:
        """Ask for the kept policy nearest ``update`` in the snapshot's timeline (None: live)."""
        if self.trainer is not None:
            self._call("show_update", update)

    def adopt(self, *, algo: str, seed: int, overrides: dict, world: World | None) -> None:
        """Take over the settings of an agent the trainer opened, keeping the trainer (unlike
        ``configure``, which starts over): a later Reset or new trainer uses them too."""
        self.settings.algo = algo
        self.settings.seed = seed
        self.settings.overrides = dict(overrides)
        if world is not None:
            self._world = world

    def configure(
        self,
        *,
        algo: str | None = None,
        seed: int | None = None,
        overrides=None,
        labeller: str | None = None,
    ):
        """New settings: the current trainer (if any) is stopped and the next Run starts over."""
        if algo is not None:
            self.settings.algo = algo
        if labeller is not None:
            self.settings.labeller = labeller
        if seed is not None:
            self.settings.seed = seed
        if overrides is not None:
            self.settings.overrides = dict(overrides)
        self.discard()

    def discard(self, timeout: float = 1.0) -> None:
        """Stop and forget the trainer."""
        trainer, self.trainer = self.trainer, None
        if trainer is not None:
            try:
                trainer.stop(timeout=timeout)
            except Exception as e:  # noqa: BLE001
                self.error = f"stopping the trainer failed: {e}"

    def close(self, timeout: float = 0.5) -> None:
        self.discard(timeout)

    def request_stop(self):
        """Ask the trainer to stop without waiting; the trainer (or None) to wait on."""
        trainer, self.trainer = self.trainer, None
        if trainer is not None:
            try:
                trainer.stop(timeout=0.0)
            except Exception:  # noqa: BLE001
                return None
        return trainer

    # --- reading --------------------------------------------------------------------
    def latest(self):
        """The trainer's latest Snapshot, or None before there is a trainer."""
        if self.trainer is None:
            return None
        try:
            return self.trainer.latest()
        except Exception as e:  # noqa: BLE001
            self.error = f"{type(e).__name__}: {e}"
            return None

    def status(self) -> str:
        snap = self.latest()
        return snap.status if snap is not None else "idle"

    # --- inside ---------------------------------------------------------------------
    def _forget_if_dead(self) -> None:
        """Discard a trainer that failed and whose process is gone (it would ignore every
        command); a trainer that failed but lives (a bad setting) is kept."""
        if self.trainer is None or getattr(self.trainer, "alive", True):
            return
        if self.status() == "failed":
            self.discard(timeout=0.1)

    def _make(self) -> bool:
        s = self.settings
        overrides = dict(s.overrides)
        if s.algo in PREFERENCE_ALGORITHMS:
            overrides["labeller"] = s.labeller
        kwargs = dict(
            seed=s.seed,
            overrides=overrides or None,
            num_threads=1,
            stop_when_solved=s.stop_when_solved,
        )
        if self._world is not None:
            kwargs["world"] = self._world
        try:
            self.trainer = self.factory(self.env, s.algo, **kwargs)
        except Exception as e:  # noqa: BLE001 - shown as a status line
            self.error = _one_line(e)
            self.trainer = None
            return False
        self.error = ""
        if s.delay:
            self._call("set_delay", s.delay)
        self._send_labels(self.pairs, self.judgements)
        return True

    def _call(self, name: str, *args, **kwargs) -> None:
        try:
            getattr(self.trainer, name)(*args, **kwargs)
        except Exception as e:  # noqa: BLE001
            self.error = _one_line(e)


def _one_line(e: BaseException) -> str:
    if isinstance(e, ImportError):
        return f"training is not available: {e}"
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__
