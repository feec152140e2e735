"""The app's side of the thread boundary: TrainingController over a (fake) Trainer."""

from gridsim.app.testing import FakeTrainer, fake_factory
from gridsim.app.trainer_link import Settings, TrainingController
from gridsim.world import default_world


def controller(**extra):
    made = []
    c = TrainingController("gridworld", Settings(algo="reinforce"), fake_factory(made, **extra))
    return c, made


def test_no_trainer_is_made_before_run():
    c, made = controller()
    assert c.latest() is None and c.status() == "idle" and not made


def test_run_makes_and_starts_one_trainer_with_the_settings():
    c, made = controller()
    w = default_world().with_changes(gamma=0.5)
    c.set_world(w, keep_policy=False)
    c.settings.overrides = {"lr": 0.1}
    c.set_delay(0.25)
    c.run()
    (t,) = made
    assert t.world == w and t.overrides == {"lr": 0.1} and t.delay == 0.25
    assert t.calls[-1] == ("start",)
    c.pause()
    c.run()
    assert t.calls[-1] == ("resume",)


def test_step_makes_a_trainer_and_does_one_update():
    c, made = controller()
    c.step()
    assert c.latest().update == 1 and c.status() == "paused"


def test_world_edits_reach_a_running_trainer_keeping_the_policy():
    c, made = controller()
    c.run()
    w = default_world().with_changes(gamma=0.8)
    c.set_world(w, keep_policy=True)
    assert made[0].calls[-1] == ("set_world", w, True)


def test_new_settings_stop_the_old_trainer_and_start_over():
    c, made = controller()
    c.run()
    c.configure(algo="ppo")
    assert made[0].stopped and c.trainer is None
    c.run()
    assert made[1].algo == "ppo"


def test_a_trainer_that_cannot_be_made_becomes_an_error_line():
    def broken(env, algo, **kw):
        raise ImportError("No module named 'agents.trainer'")

    c = TrainingController("gridworld", factory=broken)
    c.run()
    assert "not available" in c.error and c.trainer is None


def test_a_failed_update_is_a_status_not_an_exception():
    c, _ = controller(fail_at=2)
    c.run()
    c.latest()
    snap = c.latest()
    assert snap.status == "failed" and "nan" in snap.message


def test_close_stops_the_trainer():
    c, made = controller()
    c.run()
    c.close()
    assert made[0].stopped and c.trainer is None


def test_fake_trainer_learns_the_optimal_arrows():
    t = FakeTrainer("gridworld", "reinforce")
    for _ in range(30):
        t.step_once()
    pi = t.latest().pi
    assert pi.shape == (9, 5) and pi[0].max() > 0.9


def test_the_fake_trainers_optimal_states_spread_back_from_the_target():
    t = FakeTrainer("gridworld", "ppo")
    t.step_once()
    first = t.latest().progress
    for _ in range(6):
        t.step_once()
    later = t.latest().progress
    assert first.n_states == 9 and 0 < first.optimal_states < later.optimal_states == 9
    assert 0 in first.non_optimal  # s1, four steps from s9, is reached last


def test_after_the_trainer_process_dies_run_starts_a_fresh_trainer():
    c, made = controller(fail_at=1)
    c.step()
    assert c.status() == "failed"
    made[0].alive = False  # what ProcessTrainer says once its child has died
    c.run()
    assert len(made) == 2 and made[0].stopped and made[1].calls == [("start",)]


def test_a_failed_trainer_that_still_lives_is_kept():
    c, made = controller(fail_at=1)
    c.step()
    made[0].alive = True  # e.g. a bad hyper-parameter: the trainer waits for a new setting
    c.run()
    assert len(made) == 1


def test_reset_after_the_trainer_died_goes_back_to_idle():
    c, made = controller(fail_at=1)
    c.step()
    made[0].alive = False
    c.reset()
    assert c.trainer is None and c.status() == "idle"
