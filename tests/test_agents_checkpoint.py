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


def test_an_opened_agent_goes_on_from_where_it_stopped(tmp_path):
    run = trained(algo="ppo")
    save_agent(run, tmp_path / "a.pt")
    loaded = load_agent(tmp_path / "a.pt")
    assert (loaded.updates, loaded.env_steps) == (run.updates, run.env_steps)
    assert loaded.returns.values() == run.returns.values()
    assert list(loaded.episode_returns) == list(run.episode_returns)
    assert loaded.policies.updates == (1, 2, 3)
    np.testing.assert_allclose(loaded.policies.at(2).pi, run.policies.at(2).pi)
    loaded.update()  # training continues: update 4, recorded in the same history
    assert loaded.updates == 4 and loaded.policies.updates == (1, 2, 3, 4)
    assert loaded.env_steps > run.env_steps


def test_the_cartpole_history_keeps_the_mlp_weights(tmp_path):
    run = trained("cartpole", "rtg_pg")
    save_agent(run, tmp_path / "a.pt")
    shown = load_agent(tmp_path / "a.pt").policies.at(1)
    for a, b in zip(shown.weights, run.policies.at(1).weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_file_without_progress_or_history_still_opens_at_update_0(tmp_path):
    save_agent(trained(), tmp_path / "a.pt")
    payload = torch.load(tmp_path / "a.pt", weights_only=True)
    del payload["progress"], payload["history"]
    payload["updates"] = 0
    torch.save(payload, tmp_path / "old.pt")
    loaded = load_agent(tmp_path / "old.pt")
    assert loaded.updates == 0 and len(loaded.policies) == 0


def test_a_history_that_does_not_fit_the_policy_is_refused(tmp_path):
    save_agent(trained(), tmp_path / "a.pt")
    payload = torch.load(tmp_path / "a.pt", weights_only=True)
    payload["history"]["layers"] = [torch.zeros(3, 4, 5)]  # a 2x2 world's pi tables
    torch.save(payload, tmp_path / "b.pt")
    with pytest.raises(CheckpointError, match="bad training progress"):
        load_agent(tmp_path / "b.pt")


class MakesAFile:
    """A pickle that would create a file when unpickled (the classic hostile checkpoint)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("as_torch_file", [True, False])
def test_a_hostile_pickle_is_refused_without_running_it(tmp_path, as_torch_file):
    marker = tmp_path / "pwned"
    path = tmp_path / "agent.pt"
    if as_torch_file:  # a real torch zip whose data.pkl calls os.system
        torch.save({"format": "gridsim-agent", "evil": MakesAFile(marker)}, path)
    else:
        import pickle

        path.write_bytes(pickle.dumps(MakesAFile(marker)))
    with pytest.raises(CheckpointError, match="not a readable agent file"):
        load_agent(path)
    assert not marker.exists()
    # the file really is hostile: loading it the unsafe way runs its code
    if as_torch_file:
        torch.load(path, weights_only=False)
    else:
        import pickle

        pickle.loads(path.read_bytes())
    assert marker.exists()


def test_a_file_too_big_to_be_an_agent_is_not_read(tmp_path, monkeypatch):
    import agents.checkpoint as checkpoint

    save_agent(trained(), tmp_path / "a.pt")
    monkeypatch.setattr(checkpoint, "MAX_FILE_BYTES", 100)
    with pytest.raises(CheckpointError, match="too big"):
        load_agent(tmp_path / "a.pt")


def test_the_metric_curves_of_the_plot_selector_come_back_too(tmp_path):
    run = trained(algo="ppo")
    save_agent(run, tmp_path / "a.pt")
    loaded = load_agent(tmp_path / "a.pt")
    before, after = run.metrics.series(), loaded.metrics.series()
    assert after.names == before.names and after.updates == 3
    np.testing.assert_array_equal(after.values, before.values)
    np.testing.assert_array_equal(after.env_steps, before.env_steps)
