"""dpo, kto (and rlhf): labels given by hand, the trainer's commands, the snapshot's preferences."""

import time

import numpy as np
import pytest
import torch

from agents.checkpoint import save_agent
from agents.config import ConfigError
from agents.learner import Run, build_config
from agents.preference_agent import WaitingForLabels
from agents.trainer import Trainer
from gridsim.preferences import Judgement, Pair, RouteLabeller, pair_from_trajectories
from gridsim.solvers import deterministic_policy, optimal_values, policy_value
from gridsim.trajectory import follow_actions, sample_trajectory
from gridsim.world import default_world

UP, RIGHT, DOWN, LEFT, STAY = range(5)
VIA_S2 = (RIGHT, DOWN, DOWN, RIGHT, STAY)
VIA_S4 = (DOWN, RIGHT, DOWN, RIGHT, STAY)
HUMAN = {"labeller": "human", "num_envs": 8}


def wait_for(trainer, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = trainer.latest()
        if predicate(snap):
            return snap
        time.sleep(0.01)
    raise AssertionError(f"timed out; last snapshot: {trainer.latest().message!r}")


@pytest.mark.parametrize(
    "algo, override, message",
    [
        ("dpo", {"beta": "0"}, "beta must be > 0"),
        ("dpo", {"temperature": "-1"}, "temperature must be >= 0"),
        ("dpo", {"labeller": "oracle"}, "labeller must be one of synthetic, human"),
        ("dpo", {"loss_type": "hinge"}, "loss_type must be one of sigmoid, ipo"),
        ("dpo", {"label_smoothing": "0.5"}, "label_smoothing must be in [0, 0.5)"),
        ("kto", {"desirable_weight": "-1"}, "desirable_weight must be >= 0"),
        ("kto", {"undesirable_weight": "-0.5"}, "undesirable_weight must be >= 0"),
    ],
)
def test_bad_preference_hyper_parameters_are_refused_naming_the_field(algo, override, message):
    with pytest.raises(ConfigError) as e:
        build_config(algo, "gridworld", override)
    assert message in str(e.value)


def test_a_human_labelled_run_waits_for_its_first_label_then_learns_it():
    run = Run("gridworld", "dpo", seed=0, overrides=HUMAN)
    with pytest.raises(WaitingForLabels):
        run.update()
    assert run.updates == 0 and run.preference_view().waiting
    run.agent.add_preferences([Pair(0, VIA_S4, VIA_S2)])
    while not run.preference_view().waiting:  # one label buys updates_per_label updates
        run.update()
    assert run.updates == 20
    with pytest.raises(WaitingForLabels, match=r"\(1 given, trained on\)"):
        run.update()
    pi = run.pi()
    assert pi[0].argmax() == DOWN and pi[0].argmin() == RIGHT  # from s1, the preferred step won
    view = run.preference_view()
    assert (view.pairs, view.judgements, view.waiting) == (1, 0, True)
    assert view.metric("rewards/margins") > 0 and view.metric("rewards/accuracies") == 1.0
    assert len(view.series("rewards/margins")) == 20


def greedy_route_and_worth(world, pi):
    """The states of the greedy policy's route from s1 (to s9), and V of that policy at s1."""
    greedy = pi.argmax(axis=1)
    s, route = world.start, [world.start]
    while s != 8 and len(route) < 9:
        s = int(follow_actions(world, s, [greedy[s]]).states[-1])
        route.append(s)
    return route, policy_value(world, deterministic_policy(greedy))[world.start]


def test_the_scripted_person_teaches_dpo_the_route_through_s4_from_a_ppo_reference(tmp_path):
    # pi_ref: a PPO agent trained until optimal, whose greedy route from s1 goes through s2.
    # (A seed whose reference goes through s2 and whose walks teach the route: the bench
    # reports how many of ten seeds get there; this one is the scenario, reproducibly.)
    world = default_world()
    ppo = Run("gridworld", "ppo", world=world, seed=0)
    while not ppo.solved:
        ppo.update()
    assert greedy_route_and_worth(world, ppo.pi())[0][:2] == [0, 1]
    save_agent(ppo, tmp_path / "ppo.pt")
    run = Run(
        "gridworld",
        "dpo",
        world=world,
        seed=0,
        overrides=HUMAN | {"ref": tmp_path / "ppo.pt", "num_envs": 2},
    )
    person, rng = RouteLabeller(via=3), np.random.default_rng(1000)
    v_star = optimal_values(world)[0][world.start]
    for _ in range(20):  # as the app shows pairs: two of the policy's walks from s1
        a = sample_trajectory(world, run.pi(), world.start, rng=rng)
        b = sample_trajectory(world, run.pi(), world.start, rng=rng)
        if np.array_equal(a.actions, b.actions):
            b = sample_trajectory(world, 0.8 * run.pi() + 0.04, world.start, rng=rng)
        pair = pair_from_trajectories(a, b, person.compare(world, a, b))
        if pair is None:
            continue  # same return, same side of s4: the person skips it
        run.agent.add_preferences([pair])
        while not run.agent.waiting():  # the label's updates_per_label updates
            run.update()
        route, worth = greedy_route_and_worth(world, run.pi())
        if route == [0, 3, 4, 7, 8] and worth == pytest.approx(v_star, abs=1e-9):
            return  # s1 -> s4 -> s5 -> s8 -> s9, worth V*(s1) exactly
    pytest.fail(f"after 20 pairs the greedy route is {route}, worth {worth} (V*(s1) = {v_star})")


def test_kto_learns_from_thumbs_up_and_down_and_from_pairs_split_in_two():
    run = Run("gridworld", "kto", seed=0, overrides=HUMAN)
    run.agent.add_preferences(judgements=[Judgement(0, VIA_S4, True)])
    run.agent.add_preferences(pairs=[Pair(0, VIA_S4, VIA_S2)])  # + one up, one down
    while not run.preference_view().waiting:
        run.update()
    assert run.updates == 40  # two labels (a pair is one)
    assert run.pi()[0, DOWN] > 0.5 > run.pi()[0, RIGHT]
    assert run.preference_view().judgements == 3


def test_dpo_refuses_thumbs_and_a_bad_label_leaves_the_labels_as_they_were():
    run = Run("gridworld", "dpo", seed=0, overrides=HUMAN)
    with pytest.raises(ValueError, match="judgements: dpo learns from pairs"):
        run.agent.add_preferences(judgements=[Judgement(0, VIA_S4, True)])
    with pytest.raises(ValueError, match="rejected: identical"):
        run.agent.add_preferences([Pair(0, VIA_S4, VIA_S2), Pair(0, VIA_S2, VIA_S2)])
    assert run.agent.labels.pairs == []


def test_the_snapshot_carries_the_preference_metrics_pi_ref_and_beta():
    run = Run("gridworld", "dpo", seed=0)
    run.update()
    view = run.preference_view()
    assert view.labeller == "synthetic" and view.beta == pytest.approx(0.1)
    assert view.pairs > 0 and view.judgements == 0
    assert np.allclose(view.pi_ref, 0.2) and not view.pi_ref.flags.writeable
    reward = view.implicit_reward(run.pi())
    assert np.allclose(reward, 0.1 * np.log(run.pi() / 0.2))
    assert view.reward_model is None
    assert Run("gridworld", "ppo", seed=0).preference_view() is None


def test_the_trainer_waits_for_labels_and_trains_on_those_it_is_given():
    trainer = Trainer("gridworld", "dpo", seed=0, overrides=HUMAN, stop_when_solved=False)
    try:
        trainer.start()
        snap = wait_for(trainer, lambda s: "waiting for labels" in s.message)
        assert snap.status == "running" and snap.update == 0 and snap.preferences.waiting
        trainer.add_preferences(pairs=[Pair(0, VIA_S4, VIA_S2)])
        snap = wait_for(trainer, lambda s: s.update >= 5)
        assert snap.preferences.pairs == 1 and not snap.preferences.waiting
        trainer.pause()
        trainer.add_preferences(pairs=[Pair(0, VIA_S2, VIA_S2)])
        snap = wait_for(trainer, lambda s: "refused" in s.message)
        assert "identical" in snap.message and snap.status == "paused"
        assert trainer.latest().preferences.pairs == 1
        trainer.reset()
        trainer.start()
        snap = wait_for(trainer, lambda s: "waiting for labels" in s.message)
        assert snap.preferences.pairs == 0  # a reset starts without labels
    finally:
        trainer.stop()


def test_a_world_edit_keeps_the_labels_that_still_fit():
    trainer = Trainer("gridworld", "dpo", seed=0, overrides=HUMAN)
    try:
        trainer.step_once()
        short = Pair(0, (DOWN, RIGHT), (RIGHT, DOWN))  # s1 -> s5 both ways, never on s9
        trainer.add_preferences(pairs=[short, Pair(8, (STAY,), (UP,))])
        wait_for(trainer, lambda s: s.message == "2 labels")
        world = default_world().with_changes(target_terminal=True)  # s9 can no longer start
        trainer.set_world(world, keep_policy=True)
        snap = wait_for(trainer, lambda s: "labels kept" in s.message)
        assert "1 labels kept, 1 no longer fit" in snap.message
        assert snap.preferences.pairs == 1
    finally:
        trainer.stop()


def test_an_algorithm_without_preferences_says_so():
    trainer = Trainer("gridworld", "ppo", seed=0)
    try:
        trainer.add_preferences(pairs=[Pair(0, VIA_S4, VIA_S2)])
        snap = wait_for(trainer, lambda s: "preferences" in s.message)
        assert snap.message == "ppo does not learn from preferences"
        assert snap.preferences is None
    finally:
        trainer.stop()


def test_human_labels_are_for_the_gridworld():
    with pytest.raises(ConfigError, match="labeller"):
        Run("cartpole", "dpo", seed=0, overrides={"labeller": "human"})


@pytest.mark.parametrize("algo", ["dpo", "kto", "rlhf"])
def test_a_diverged_policy_is_a_training_error_not_a_silent_stall(algo):
    from agents.agent import TrainingError

    run = Run("gridworld", algo, seed=0)
    run.update()
    with torch.no_grad():
        run.agent.policy.logits[0, 0] = float("nan")  # what an exploding step leaves behind
    with pytest.raises(TrainingError, match="diverged"):
        run.update()
