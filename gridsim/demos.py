"""The tutorial's click-to-run demos as data: what each one loads and what its caption says.

Pure data (no pygame, no torch), so ``python main.py demo --list`` and the tests need
no display. Titles and captions are English; the Chinese is in
``assets/translations/zh.json`` (terms from the tutorial's glossary), looked up by
the app's ``t()``. Each ``view`` names the class in ``gridsim/app/demos/*.py`` that
shows the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridsim.limits import short_repr

UP, RIGHT, DOWN, LEFT, STAY = range(5)

# The tutorial's deterministic policy (chapter 1, figure 6): from s1 it goes
# s1 -a2-> s2 -a3-> s5 -a3-> s8 -a2-> s9 and then stays.
TUTORIAL_ACTIONS = (RIGHT, DOWN, DOWN, RIGHT, DOWN, DOWN, RIGHT, RIGHT, STAY)
# The right-hand policy of the comparison figure: down through forbidden s7.
THROUGH_S7_ACTIONS = (DOWN, DOWN, DOWN, DOWN, DOWN, DOWN, RIGHT, RIGHT, STAY)
# Demo 3's stochastic rows (0-based state, pi(.|s)): right or down with 0.5 each.
HALF_RIGHT_HALF_DOWN = (0.0, 0.5, 0.5, 0.0, 0.0)
STOCHASTIC_ROWS = ((0, HALF_RIGHT_HALF_DOWN), (3, HALF_RIGHT_HALF_DOWN))

CHAPTERS = {
    1: "Chapter 1: key concepts",
    3: "Chapter 3: policy gradients",
    4: "Chapter 4: PPO",
    5: "Chapter 5: DPO",
    6: "Chapter 6: KTO",
    7: "Chapter 7: GRPO",
}


@dataclass(frozen=True)
class Demo:
    """One click-to-run demo; ``caption`` is 2-4 lines separated by newlines."""

    key: str
    number: str
    chapter: int
    title: str
    caption: str
    view: str
    layout: str = "tutorial_3x3"
    algo: str | None = None
    overrides: tuple[tuple[str, object], ...] = ()


DEMOS: tuple[Demo, ...] = (
    Demo(
        "states-actions",
        "1",
        1,
        "States and actions",
        "The grid has 9 states s1..s9, numbered row by row from the top left.\n"
        "In every state the agent has 5 actions: a1 up, a2 right, a3 down, a4 left, a5 stay.\n"
        "Watch s5 try each action: where it lands and the reward r(s, a) it gets.",
        "states_actions",
    ),
    Demo(
        "trajectory",
        "2",
        1,
        "A policy and its trajectory",
        "A deterministic policy: one arrow per state, π(a|s) = 1 for that action.\n"
        "From s1 it gives the trajectory s1 -a2-> s2 -a3-> s5 -a3-> s8 -a2-> s9.\n"
        "Its return is the sum of the rewards along the way: return = 0 + 0 + 0 + 1 = 1.",
        "trajectory",
    ),
    Demo(
        "stochastic",
        "3",
        1,
        "A stochastic policy",
        "In s1 (and s4) the policy goes right or down with probability 0.5 each:\n"
        "π(a_2|s_1) = π(a_3|s_1) = 0.5. Every run samples a different trajectory,\n"
        "so the return is a random variable: the bars show how it spreads.",
        "stochastic",
    ),
    Demo(
        "compare-returns",
        "4",
        1,
        "Comparing policies by return",
        "Two policies from s1. The left one goes round the forbidden cells: return 1.\n"
        "The right one passes forbidden s7: return = 0 - 1 + 0 + 1 = 0.\n"
        "The higher return says the left policy is better.",
        "compare",
    ),
    Demo(
        "discounted-return",
        "5",
        1,
        "Discounted return",
        "After s9 the agent stays and collects +1 forever: the plain sum is infinite.\n"
        "Discounting fixes it: 0 + γ0 + γ²0 + γ³1 + γ⁴1 + ... = γ³ / (1 - γ).\n"
        "Drag the gamma slider and watch the sum and its limit.",
        "discount",
    ),
    Demo(
        "values-bellman",
        "6",
        1,
        "Values and the Bellman equation",
        "The exact values of the tutorial's policy; hover a cell to see its Bellman backup\n"
        "V(s) = Σ_a π(a|s) [r(s,a) + γ V(s')]. The buttons show Q^π(s,a), the advantage\n"
        "A^π = Q^π - V^π, and V* with the optimal arrows.",
        "values",
    ),
    Demo(
        "simple-pg-grid",
        "7",
        3,
        "The simplest policy gradient",
        "Every step of an episode is weighted by the episode's whole return R(τ):\n"
        "∇J = E[ Σ_t ∇log π(a_t|s_t) R(τ) ]. Watch the arrows sharpen towards the\n"
        "purple optimal arrows and the return curve rise to the dashed optimum.",
        "grid_training",
        algo="simple_pg",
    ),
    Demo(
        "variance",
        "8",
        3,
        "Why reward-to-go and baselines",
        "For one fixed policy, many batches of gradient estimates with three weights:\n"
        "R(τ), the reward-to-go, and the reward-to-go minus V^π(s_t). All three are unbiased;\n"
        "the bars show their measured variance: each step lowers it.",
        "variance",
    ),
    Demo(
        "learning-curves",
        "8b",
        3,
        "R(τ) vs reward-to-go vs baseline",
        "What demo 8's variance does to learning: simple_pg weights each step by R(τ), rtg_pg\n"
        "by the reward-to-go, vpg by the reward-to-go minus a learned baseline V(s_t).\n"
        "Each learns the tutorial's world with seeds 0-9: the line is the IQM of the 10 runs,\n"
        "the band its 95% interval. Which reaches the dashed optimum first, and how surely?",
        "curves",
    ),
    Demo(
        "cartpole-simple-pg",
        "9",
        3,
        "CartPole with the tutorial's code",
        "The tutorial's own configuration: simple_pg, hidden layer [32], lr 1e-2,\n"
        "5000 steps per batch, weights R(τ). The pole learns to stay up;\n"
        "the curve climbs towards 500.",
        "cartpole_training",
        layout="",
        algo="simple_pg",
        overrides=(("hidden", (32,)), ("lr", 1e-2), ("batch_steps", 5000)),
    ),
    Demo(
        "ppo-cartpole",
        "10a",
        4,
        "PPO on CartPole",
        "PPO reuses each batch for several epochs but clips the probability ratio\n"
        "r = π_new / π_old to [1 - 0.2, 1 + 0.2], so no update moves the policy too far.\n"
        "It reaches the dashed 475 line much sooner than simple_pg.",
        "cartpole_training",
        layout="",
        algo="ppo",
    ),
    Demo(
        "grpo-grid",
        "10b",
        7,
        "GRPO's group advantages",
        "No critic: the G episodes of a group start in the same cell, and each one's advantage\n"
        "is (return - group mean) / group std. Groups are drawn side by side: episodes\n"
        "above their group's mean (green) are reinforced, those below (red) discouraged.",
        "grpo",
        algo="grpo",
    ),
    Demo(
        "edit-rewards",
        "11",
        1,
        "Rewards steer behaviour",
        "Purple arrows: the optimal policy. With r_forbidden = -10 they go round the\n"
        "forbidden cells; press the button to set r_forbidden = 0 and they cut through.\n"
        "The reward, not the map, says what the agent should do.",
        "rewards",
        layout="zhao_5x5",
    ),
)


# Chapters 5 and 6: preferences (gridsim/app/demos/preferences.py). Their captions' Chinese
# is in assets/translations/zh/preferences.json.
DEMOS += (
    Demo(
        "dpo-human",
        "12",
        5,
        "DPO: you are the human",
        "Two trajectories from s1: press 1 if the left one is better, 2 if the right one is, 0 to "
        "skip.\n"
        "DPO: L = -log σ(β(r_θ(τ_w) - r_θ(τ_l))), r_θ(τ) = Σ_t log π_θ(a_t|s_t)/π_ref(a_t|s_t).\n"
        "Teach what the rewards cannot: s1→s4→s5→s8→s9 and s1→s2→s5→s8→s9 both return 1.\n"
        "Prefer the route through s4 and watch the arrows follow.",
        "dpo_human",
        algo="dpo",
    ),
    Demo(
        "implicit-reward",
        "13",
        5,
        "The implicit reward",
        "DPO fits no reward model, yet its policy is one: the implicit reward "
        "β·log π_θ(a|s)/π_ref(a|s).\n"
        "Left: it per action (green: likelier than under π_ref, red: less likely); right: "
        "r(s, a).\n"
        "The labels fix only sums along whole trajectories from one start, so cell by cell the two "
        "differ.",
        "implicit_reward",
        algo="dpo",
    ),
    Demo(
        "dpo-vs-rlhf",
        "14",
        5,
        "DPO vs RLHF: no reward model",
        "RLHF fits a reward model r_φ(s, a) to the preferences, then runs PPO on r_φ - "
        "β·KL(π_θ‖π_ref).\n"
        "DPO skips the reward model: one loss on the same preferences, the same optimum.\n"
        "Both train at once on synthetic labels; below: the labels each used, and the bench's "
        "scripted human.",
        "dpo_vs_rlhf",
        algo="dpo",
    ),
    Demo(
        "kto-human",
        "15",
        6,
        "KTO: thumbs up, thumbs down",
        "KTO needs no pairs: one trajectory and a verdict. Y: good, N: bad, 0: skip.\n"
        "Good: λ_D(1 - σ(β(r_θ(τ) - z₀))); bad: λ_U(1 - σ(β(z₀ - r_θ(τ)))); z₀ ≈ KL(π_θ‖π_ref).\n"
        "Call the routes through s4 good and the others bad, and watch the arrows follow.",
        "kto_human",
        algo="kto",
    ),
)


def demo_by_key(key: str) -> Demo:
    """The demo named ``key``, or numbered ``key`` ('2', '10a')."""
    for demo in DEMOS:
        if key in (demo.key, demo.number):
            return demo
    known = ", ".join(d.key for d in DEMOS)
    raise KeyError(f"no demo {short_repr(key)}; known demos: {known}")


def demos_by_chapter() -> dict[int, tuple[Demo, ...]]:
    """Demos grouped by chapter, chapters in order, demos in list order."""
    out: dict[int, list[Demo]] = {}
    for demo in DEMOS:
        out.setdefault(demo.chapter, []).append(demo)
    return {c: tuple(out[c]) for c in sorted(out)}
