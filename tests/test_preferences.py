"""Preferences (chapters 5-6): pairs and judgements, their JSON Lines files, and the labellers."""

import json

import numpy as np
import pytest

from gridsim.preferences import (
    Judgement,
    Pair,
    PreferenceError,
    PreferenceFileError,
    ReturnLabeller,
    RouteLabeller,
    check_pair,
    pair_from_trajectories,
    read_judgements,
    read_pairs,
    trajectory_return,
    write_judgements,
    write_pairs,
)
from gridsim.trajectory import follow_actions
from gridsim.world import default_world

UP, RIGHT, DOWN, LEFT, STAY = range(5)
VIA_S2 = (RIGHT, DOWN, DOWN, RIGHT, STAY)  # s1 -> s2 -> s5 -> s8 -> s9, stay
VIA_S4 = (DOWN, RIGHT, DOWN, RIGHT, STAY)  # s1 -> s4 -> s5 -> s8 -> s9, stay
WORLD = default_world()


def write_lines(tmp_path, *lines, name="prefs.jsonl"):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_a_pair_is_written_with_trl_field_names_and_states_and_actions_by_name(tmp_path):
    path = tmp_path / "pairs.jsonl"
    write_pairs(path, [Pair(0, VIA_S4, VIA_S2)])
    row = json.loads(path.read_text().splitlines()[0])
    assert row == {
        "prompt": "s1",
        "chosen": ["a3", "a2", "a3", "a2", "a5"],
        "rejected": ["a2", "a3", "a3", "a2", "a5"],
    }
    assert read_pairs(path, WORLD) == [Pair(0, VIA_S4, VIA_S2)]


def test_judgements_round_trip_through_a_file(tmp_path):
    judgements = [Judgement(0, VIA_S4, True), Judgement(4, (LEFT, LEFT), False)]
    path = tmp_path / "kto.jsonl"
    write_judgements(path, judgements)
    assert json.loads(path.read_text().splitlines()[1]) == {
        "prompt": "s5",
        "completion": ["a4", "a4"],
        "label": False,
    }
    assert read_judgements(path, WORLD) == judgements


def test_writing_is_atomic_and_keeps_the_old_file_when_it_fails(tmp_path):
    path = tmp_path / "pairs.jsonl"
    write_pairs(path, [Pair(0, VIA_S4, VIA_S2)])
    before = path.read_text()
    with pytest.raises(AttributeError):
        write_pairs(path, [Pair(0, VIA_S4, VIA_S2), object()])
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["pairs.jsonl"]


def test_completions_may_begin_with_their_shared_start_state(tmp_path):
    path = write_lines(
        tmp_path, '{"chosen": ["s1", "a3", "a2"], "rejected": ["s1", "a2", "a3"]}', ""
    )
    assert read_pairs(path, WORLD) == [Pair(0, (DOWN, RIGHT), (RIGHT, DOWN))]


@pytest.mark.parametrize(
    "line, field, words",
    [
        (
            '{"prompt": "s1", "chosen": ["a2"], "rejected": ["a3"]',
            "column 54",
            "expected ',' delimiter",
        ),
        ('{"prompt": "s10", "chosen": ["a2"], "rejected": ["a3"]}', "prompt", "outside the grid"),
        ('{"prompt": "x", "chosen": ["a2"], "rejected": ["a3"]}', "prompt", "state name"),
        ('{"prompt": 1, "chosen": ["a2"], "rejected": ["a3"]}', "prompt", '"s1"'),
        ('{"prompt": "s1", "chosen": ["a2", "a9"], "rejected": ["a3"]}', "chosen[1]", "a9"),
        ('{"prompt": "s1", "chosen": "a2", "rejected": ["a3"]}', "chosen", "list"),
        ('{"prompt": "s1", "chosen": ["a2"], "rejected": ["a2"]}', "rejected", "identical"),
        ('{"prompt": "s1", "chosen": [], "rejected": ["a2"]}', "chosen", "at least one"),
        ('{"prompt": "s1", "chosen": ["a2"]}', "rejected", "missing"),
        ('{"prompt": "s1", "chosen": ["a2"], "rejected": ["a3"], "x": 1}', "x", "unknown"),
        ('{"chosen": ["s1", "a2"], "rejected": ["s2", "a3"]}', "rejected[0]", "same state"),
        ('{"prompt": "s2", "chosen": ["s1", "a2"], "rejected": ["a3"]}', "chosen[0]", "s2"),
        ('{"chosen": ["a2"], "rejected": ["a3"]}', "prompt", "missing"),
        ('["s1", ["a2"], ["a3"]]', "expected a JSON object", "prompt, chosen"),
        (
            '{"prompt": "s1", "chosen": ' + json.dumps(["a5"] * 21) + ', "rejected": ["a3"]}',
            "chosen",
            "horizon",
        ),
    ],
)
def test_a_bad_pair_file_names_the_file_the_line_and_the_field(tmp_path, line, field, words):
    good = '{"prompt": "s1", "chosen": ["a2"], "rejected": ["a3"]}'
    path = write_lines(tmp_path, good, line)
    with pytest.raises(PreferenceFileError) as e:
        read_pairs(path, WORLD)
    message = str(e.value)
    assert message.startswith(f"{path}: line 2: {field}")
    assert words in message and "\n" not in message


def test_a_label_must_be_a_boolean(tmp_path):
    path = write_lines(tmp_path, '{"prompt": "s1", "completion": ["a2"], "label": "yes"}')
    with pytest.raises(PreferenceFileError, match=r"line 1: label: expected true or false"):
        read_judgements(path, WORLD)


def test_an_empty_file_is_refused(tmp_path):
    path = write_lines(tmp_path, "", "  ")
    with pytest.raises(PreferenceFileError, match=r"prefs.jsonl: empty: no rows"):
        read_pairs(path, WORLD)


def test_a_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(PreferenceFileError, match="no such file"):
        read_pairs(tmp_path / "nope.jsonl", WORLD)


def test_an_episode_cannot_start_on_a_terminal_target_nor_go_on_after_it(tmp_path):
    world = WORLD.with_changes(target_terminal=True)
    path = write_lines(tmp_path, '{"prompt": "s9", "completion": ["a5"], "label": true}')
    with pytest.raises(PreferenceFileError, match="prompt: s9 is a terminal target"):
        read_judgements(path, world)
    path = write_lines(tmp_path, '{"prompt": "s8", "completion": ["a2", "a5"], "label": true}')
    with pytest.raises(PreferenceFileError, match=r"completion\[1\]: the episode already ended"):
        read_judgements(path, world)


def test_a_pair_made_in_code_is_checked_the_same_way():
    with pytest.raises(PreferenceError, match="rejected: identical"):
        check_pair(WORLD, Pair(0, VIA_S2, VIA_S2))
    with pytest.raises(PreferenceError, match=r"chosen\[0\]"):
        check_pair(WORLD, Pair(0, (7,), VIA_S2))


def test_the_synthetic_labeller_compares_the_discounted_return():
    via_s2 = follow_actions(WORLD, 0, VIA_S2[:4])
    assert trajectory_return(WORLD, via_s2) == pytest.approx(0.9**3)  # 0 + 0 + 0 + 0.9^3 * 1
    assert trajectory_return(None, via_s2) == 1.0  # CartPole: the plain episode return
    into_s7 = follow_actions(WORLD, 0, (DOWN, DOWN, RIGHT, RIGHT))  # through forbidden s7
    labeller = ReturnLabeller()
    assert labeller.compare(WORLD, via_s2, into_s7) == 1
    assert labeller.compare(WORLD, into_s7, via_s2) == 2
    same_return = follow_actions(WORLD, 0, VIA_S4[:4])
    assert labeller.compare(WORLD, via_s2, same_return) == 0  # a tie is skipped


def test_kto_judgements_are_against_a_threshold_and_skip_ties():
    via_s2 = follow_actions(WORLD, 0, VIA_S2[:4])
    labeller = ReturnLabeller()
    assert labeller.judge(WORLD, via_s2, threshold=0.5) is True
    assert labeller.judge(WORLD, via_s2, threshold=0.8) is False
    assert labeller.judge(WORLD, via_s2, threshold=0.729) is None


def test_a_positive_temperature_labels_by_bradley_terry():
    labeller = ReturnLabeller(temperature=0.5, rng=0)
    verdicts = labeller.prefer(np.full(20_000, 1.0), np.zeros(20_000))
    p_first = float(np.mean(verdicts == 1))
    assert p_first == pytest.approx(1 / (1 + np.exp(-1.0 / 0.5)), abs=0.01)  # sigma(2) = 0.881
    assert set(np.unique(verdicts)) == {1, 2}  # no skips: every pair gets a label


@pytest.mark.parametrize("temperature", [-0.1, float("nan"), "hot"])
def test_a_bad_temperature_is_refused(temperature):
    with pytest.raises(ValueError, match="temperature must be a number >= 0"):
        ReturnLabeller(temperature=temperature)


def test_the_scripted_person_prefers_the_route_through_s4_at_equal_return():
    person = RouteLabeller(via=3)
    via_s2 = follow_actions(WORLD, 0, VIA_S2)
    via_s4 = follow_actions(WORLD, 0, VIA_S4)
    assert trajectory_return(WORLD, via_s2) == trajectory_return(WORLD, via_s4)
    assert person.compare(WORLD, via_s2, via_s4) == 2
    slow_s4 = follow_actions(WORLD, 0, (DOWN, STAY, RIGHT, DOWN, RIGHT))
    assert person.compare(WORLD, slow_s4, via_s4) == 2  # both through s4: the higher return
    assert person.compare(WORLD, slow_s4, via_s2) == 2  # a detour through s4 loses return
    best = trajectory_return(WORLD, via_s4)
    assert person.judge(WORLD, via_s4, best) is True
    assert person.judge(WORLD, via_s2, best) is False


def test_a_labellers_verdict_makes_a_pair_of_two_trajectories():
    via_s2 = follow_actions(WORLD, 0, VIA_S2)
    via_s4 = follow_actions(WORLD, 0, VIA_S4)
    assert pair_from_trajectories(via_s2, via_s4, 2) == Pair(0, VIA_S4, VIA_S2)
    assert pair_from_trajectories(via_s2, via_s4, 0) is None
    elsewhere = follow_actions(WORLD, 1, VIA_S2)
    with pytest.raises(PreferenceError, match="one state"):
        pair_from_trajectories(via_s2, elsewhere, 1)
