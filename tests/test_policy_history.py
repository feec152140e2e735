"""The policy history behind the timeline: every early update, evenly thinned later, bounded."""

import numpy as np
import pytest

from agents.policy_history import PolicyHistory


def pi_at(update: int, n_states: int = 9) -> tuple[np.ndarray]:
    """A pi table that remembers which update it came from (pi[0, 0] = update / 1e4)."""
    pi = np.full((n_states, 5), 0.2)
    pi[0, 0] = update / 1e4
    return (pi,)


def test_the_first_updates_are_all_kept():
    history = PolicyHistory(early=32, late=96)
    for u in range(1, 69):  # PPO solves the tutorial's world in about 68 updates
        history.append(u, pi_at(u))
    assert history.updates == tuple(range(1, 69))
    shown = history.at(10)
    assert shown.update == 10 and shown.pi[0, 0] == pytest.approx(10 / 1e4)
    assert shown.weights is None and not shown.pi.flags.writeable


def test_a_long_run_is_thinned_evenly_and_stays_bounded():
    history = PolicyHistory(early=8, late=16)
    for u in range(1, 10_001):
        history.append(u, pi_at(u))
    kept = history.updates
    assert len(kept) <= 8 + 16
    assert kept[:8] == tuple(range(1, 9))  # early on: every update
    late = np.diff(kept[8:])
    assert len(set(late)) == 1 and late[0] == history.stride  # later: evenly spaced
    assert kept[-1] > 10_000 - history.stride  # up to the end of the run


def test_at_gives_the_nearest_kept_update():
    history = PolicyHistory(early=2, late=4)
    for u in range(1, 41):
        history.append(u, pi_at(u))
    kept = history.updates
    for asked in (1, 7, 23, 40, 1000):
        got = history.at(asked).update
        assert got in kept
        assert abs(got - asked) == min(abs(k - asked) for k in kept)


def test_big_entries_keep_fewer_of_them():
    weights = (np.zeros((256, 4)), np.zeros(256), np.zeros((2, 256)), np.zeros(2))
    history = PolicyHistory(early=32, late=96, max_bytes=64 << 10)  # 64 KiB
    for u in range(1, 500):
        history.append(u, weights)
    entry_bytes = sum(w.size for w in weights) * 4
    assert len(history) <= max(16, (64 << 10) // entry_bytes) < 128
    shown = history.at(3)
    assert shown.pi is None and [w.shape for w in shown.weights] == [w.shape for w in weights]


def test_timeline_carries_the_kept_updates_and_the_entry_asked_for():
    history = PolicyHistory()
    for u in range(1, 6):
        history.append(u, pi_at(u))
    assert history.timeline().shown is None
    timeline = history.timeline(shown=3)
    assert timeline.updates == (1, 2, 3, 4, 5) and timeline.shown.update == 3


def test_state_round_trip():
    history = PolicyHistory(early=4, late=8)
    for u in range(1, 100):
        history.append(u, pi_at(u))
    back = PolicyHistory.from_state(history.state())
    assert back.updates == history.updates and back.stride == history.stride
    np.testing.assert_array_equal(back.at(50).pi, history.at(50).pi)
    back.append(100, pi_at(100))  # and it goes on recording the same way
    history.append(100, pi_at(100))
    assert back.updates == history.updates


@pytest.mark.parametrize(
    "change",
    [
        {"stride": 3},
        {"updates": [2, 1]},
        {"layers": []},
        {"early": -1},
    ],
)
def test_a_state_that_does_not_hold_together_is_refused(change):
    history = PolicyHistory(early=4, late=8)
    for u in range(1, 6):
        history.append(u, pi_at(u))
    with pytest.raises(ValueError, match="bad policy history"):
        PolicyHistory.from_state({**history.state(), **change})
