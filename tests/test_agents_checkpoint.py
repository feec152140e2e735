"""Saving and loading a trained agent: roundtrip, and clear errors for bad files."""

import numpy as np
import pytest
import torch

from agents.checkpoint import CheckpointError, load_agent, read_agent, save_agent
from agents.learner import Run
from gridsim.world import World


def trained(env="gridworld", algo="vpg", **kw):
    run = Run(env, algo, seed=0, **kw)
    for _ in range(3):
        run.update()
    return run


def test_save_load_roundtrip_keeps_the_policy_world_and_hyperparameters(tmp_path):
    world = World(horizon=7)
    run = trained(world=world, overrides={"lr": 0.05})
    save_agent(run, tmp_path / "agent.pt")
    loaded = load_agent(tmp_path / "agent.pt")
    assert (loaded.algo, loaded.env_name, loaded.world) == ("vpg", "gridworld", world)
    assert loaded.config == run.config
    np.testing.assert_array_equal(loaded.pi(), run.pi())
    meta = read_agent(tmp_path / "agent.pt")
    assert meta["config"]["lr"] == 0.05 and set(meta["state_dicts"]) == {"policy", "value"}


def test_cartpole_agent_roundtrip(tmp_path):
    run = trained("cartpole", "ppo")
    save_agent(run, tmp_path / "a.pt")
    loaded = load_agent(tmp_path / "a.pt")
    for a, b in zip(run.policy_weights(), loaded.policy_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_corrupt_file_gives_a_clear_error(tmp_path):
    bad = tmp_path / "agent.pt"
    bad.write_bytes(b"this is not a torch file")
    with pytest.raises(CheckpointError, match="not a readable agent file"):
        load_agent(bad)


def test_a_truncated_file_gives_a_clear_error(tmp_path):
    save_agent(trained(), tmp_path / "a.pt")
    data = (tmp_path / "a.pt").read_bytes()
    (tmp_path / "b.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError):
        load_agent(tmp_path / "b.pt")


def test_a_foreign_torch_file_is_refused(tmp_path):
    torch.save({"weights": torch.zeros(3)}, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="not a GridSim agent file"):
        load_agent(tmp_path / "x.pt")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        load_agent(tmp_path / "missing.pt")


def test_state_dicts_that_do_not_fit_are_refused(tmp_path):
    save_agent(trained(), tmp_path / "a.pt")
    payload = torch.load(tmp_path / "a.pt", weights_only=True)
    payload["state_dicts"]["policy"]["logits"] = torch.zeros(4, 5)  # a 2x2 world's table
    torch.save(payload, tmp_path / "b.pt")
    with pytest.raises(CheckpointError, match="does not fit"):
        load_agent(tmp_path / "b.pt")


def test_a_file_of_another_algorithm_does_not_load_into_this_one(tmp_path):
    from agents.checkpoint import restore_modules

    save_agent(trained(algo="simple_pg"), tmp_path / "a.pt")
    ppo = Run("gridworld", "ppo", seed=0)
    with pytest.raises(CheckpointError, match="needs"):
        restore_modules(ppo, read_agent(tmp_path / "a.pt")["state_dicts"])
