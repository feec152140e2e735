"""What opening or saving an agent file reports back to the UI, through the snapshot.

Torch-free: the trainer (in its child process) reads and writes ``agent.pt`` files
(agents.checkpoint); the UI only sends a path and a token, and reads this report in the
snapshot's ``agent_file`` field. What an opened agent brings with it (algorithm, world,
hyper-parameters, policy) is in the same snapshot's ordinary fields.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentFileReport:
    """The outcome of one ``open_agent`` / ``save_agent`` command."""

    token: int
    """The number the UI sent with the command (it acts on each token once)."""
    action: str
    """"open" | "save"."""
    ok: bool
    path: str
    message: str
    """One line in English for the user, e.g. "opened agent.pt: ppo on the 3x3 gridworld,
    update 68" or the reason it was refused (the UI translates it)."""
    env: str = ""
    """The env of the agent in the file (when it could be read): a file for the other env
    is refused here and opened by the other tab."""
    seed: int = 0
    """The opened run's seed (for the seed box)."""
