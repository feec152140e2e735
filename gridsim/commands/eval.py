"""`python main.py eval --agent DIR/agent.pt`: how good a saved agent is, without training.

Runs ``--episodes`` episodes with the agent's policy (actions sampled from pi, or the most
likely one with ``--greedy``) and prints the mean return. On the gridworld the episodes
start in the layout's start cell and are cut at its horizon, and the exact answers come
with them: V^pi(start) and V*(start) from the Bellman equation, and whether the greedy
policy is optimal (its exact value equals V* in every state). On CartPole an episode ends
when the pole falls or at 500 steps; the agent "solves" it at a mean of 475 or more.
``--render-gif`` (or .mp4) draws the first episode into a video.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from gridsim import limits

CARTPOLE_MAX_STEPS = 500
CARTPOLE_SOLVED = 475.0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "eval",
        help="evaluate a saved agent (agent.pt): mean return, and optimality on the gridworld",
        description="Run a saved agent's policy for some episodes without training and report "
        "its mean return (on the gridworld also the exact V^pi, V* and whether the greedy "
        "policy is optimal).",
    )
    p.add_argument(
        "--agent", required=True, metavar="FILE", help="an agent.pt from train or the app"
    )
    p.add_argument("--episodes", default="100", metavar="N", help="episodes to run (default 100)")
    p.add_argument("--seed", default="0", metavar="N", help="random seed (default 0)")
    p.add_argument(
        "--greedy", action="store_true", help="take the most likely action instead of sampling"
    )
    p.add_argument(
        "--render-gif",
        metavar="PATH",
        help="draw the first episode into PATH (.gif, or .mp4 for a video)",
    )
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")


def run(args: argparse.Namespace) -> int:
    try:
        episodes = limits.parse(limits.EVAL_EPISODES, args.episodes, "--episodes")
        seed = limits.parse(limits.SEED, args.seed, "--seed")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.render_gif is not None:
        from gridsim.commands.gui import check_record_path

        if problem := check_record_path(args.render_gif):
            print(problem.replace("--record", "--render-gif"), file=sys.stderr)
            return 2
    from gridsim.files import UserFileError, check_user_file

    try:  # before torch's seconds of import
        check_user_file(args.agent, what="agent file", max_bytes=limits.AGENT_FILE_BYTES.high)
    except UserFileError as e:
        print(f"error: --agent{'' if e.path else ':'} {e}", file=sys.stderr)
        return 2

    import torch

    from agents.checkpoint import CheckpointError, describe, read_agent, run_from_payload

    torch.set_num_threads(1)
    try:
        payload = read_agent(args.agent)
        agent = run_from_payload(payload, Path(args.agent).name)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(seed)
    if agent.world is not None:
        result, first = evaluate_grid(agent.world, agent.pi(), episodes, args.greedy, rng)
    else:
        weights = agent.policy_weights()
        result, first = evaluate_cartpole(weights, episodes, args.greedy, rng)
    agent.close()
    result = {"agent": describe(payload), "episodes": episodes, "greedy": args.greedy, **result}
    print(json.dumps(result) if args.json else report(result))
    if args.render_gif is not None:
        from gridsim.app.episode_video import write_cartpole_episode, write_grid_episode

        try:
            if agent.world is not None:
                written = write_grid_episode(args.render_gif, agent.world, agent.pi(), first)
            else:
                written = write_cartpole_episode(args.render_gif, first)
        except ValueError as e:
            print(f"error: --render-gif {e}", file=sys.stderr)
            return 1
        if not args.json:
            print(written)
    return 0


def evaluate_grid(world, pi: np.ndarray, episodes: int, greedy: bool, rng):
    """Episodes from the start cell, cut at the horizon: their returns, and the exact values.
    Also returns the first episode (a Trajectory) for --render-gif."""
    from gridsim.solvers import greedy_policy, horizon_values, optimal_values, policy_value
    from gridsim.trajectory import Trajectory, discounted_return, sample_walkers
    from gridsim.world import state_name

    if greedy:
        pi = greedy_policy(pi)
    starts = np.full(episodes, world.start)
    states, actions, rewards, alive = sample_walkers(world, pi, starts, world.horizon, rng)
    returns = rewards.sum(axis=1)
    discounted = [discounted_return(r, world.gamma) for r in rewards]
    v_pi = policy_value(world, pi)
    v_star, _ = optimal_values(world)
    v_greedy = policy_value(world, greedy_policy(pi))
    optimal_states = np.abs(v_greedy - v_star) <= 1e-6
    length = int(alive[0].sum())
    first = Trajectory(states[0, : length + 1], actions[0, :length], rewards[0, :length])
    result = {
        "env": "gridworld",
        "start": state_name(world.start),
        "horizon": world.horizon,
        "mean_return": float(returns.mean()),
        "std_return": float(returns.std()),
        "min_return": float(returns.min()),
        "max_return": float(returns.max()),
        "mean_discounted_return": float(np.mean(discounted)),
        "expected_return": float(horizon_values(world, pi, world.horizon, 1.0)[world.start]),
        "expected_discounted_return": float(
            horizon_values(world, pi, world.horizon, world.gamma)[world.start]
        ),
        "v_pi_start": float(v_pi[world.start]),
        "v_star_start": float(v_star[world.start]),
        "optimal": bool(optimal_states.all()),
        "optimal_states": int(optimal_states.sum()),
        "states": world.n_states,
    }
    return result, first


def evaluate_cartpole(weights, episodes: int, greedy: bool, rng):
    """Episodes of CartPole-v1 (at most 500 steps) run side by side with the numpy policy;
    returns (results, the first episode's observations [T+1, 4])."""
    from gymnasium.envs.classic_control.cartpole import CartPoleEnv

    from agents.numpy_policy import mlp_probs, sample_actions

    envs = [CartPoleEnv() for _ in range(episodes)]
    obs = np.array([env.reset(seed=int(rng.integers(2**31)))[0] for env in envs], dtype=np.float64)
    returns = np.zeros(episodes)
    running = np.ones(episodes, dtype=bool)
    first = [obs[0].copy()]
    for _ in range(CARTPOLE_MAX_STEPS):
        idx = np.flatnonzero(running)
        if idx.size == 0:
            break
        probs = mlp_probs(weights, obs[idx])
        acts = probs.argmax(axis=1) if greedy else sample_actions(probs, rng)
        for i, a in zip(idx, acts, strict=True):
            o, r, terminated, _, _ = envs[i].step(int(a))
            obs[i] = o
            returns[i] += r
            if terminated:
                running[i] = False
        if idx[0] == 0:  # the first episode was still going: keep its frames
            first.append(obs[0].copy())
    result = {
        "env": "cartpole",
        "mean_return": float(returns.mean()),
        "std_return": float(returns.std()),
        "min_return": float(returns.min()),
        "max_return": float(returns.max()),
        "solved": bool(returns.mean() >= CARTPOLE_SOLVED),
    }
    return result, np.array(first)


def report(r: dict) -> str:
    """The results as a few lines of text."""
    how = "the most likely action" if r["greedy"] else "actions sampled from pi"
    lines = [f"{r['agent']}: {r['episodes']} episodes, {how}"]
    spread = f"± {r['std_return']:.2f} (min {r['min_return']:g}, max {r['max_return']:g})"
    if r["env"] == "gridworld":
        lines.append(
            f"  from {r['start']}, cut at {r['horizon']} steps: mean return "
            f"{r['mean_return']:.3f} {spread}; mean discounted return "
            f"{r['mean_discounted_return']:.3f}"
        )
        lines.append(
            f"  exact for {r['horizon']} steps: return {r['expected_return']:.3f}, "
            f"discounted return {r['expected_discounted_return']:.4f}"
        )
        lines.append(
            f"  exact, never cut: V^pi({r['start']}) = {r['v_pi_start']:.4f}, "
            f"V*({r['start']}) = {r['v_star_start']:.4f}"
        )
        verdict = (
            "optimal"
            if r["optimal"]
            else f"not optimal ({r['optimal_states']} of {r['states']} states optimal)"
        )
        lines.append(f"  greedy policy: {verdict}")
    else:
        solved = "solved" if r["solved"] else "not solved"
        lines.append(
            f"  mean return {r['mean_return']:.1f} {spread}: {solved} (mean >= {CARTPOLE_SOLVED:g})"
        )
    return "\n".join(lines)
