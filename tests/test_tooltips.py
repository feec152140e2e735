"""A tooltip never hides a validation message: it moves out of the message's way."""

import pygame
import pytest

from gridsim.app.app import App
from gridsim.app.testing import fake_factory
from tests.test_app_gui import type_into


@pytest.fixture
def app():
    a = App(factory=fake_factory([]), lang="en", remember=False, fixed_dt=0.05)
    a.frame()
    yield a
    a.close()


def hover(app, element, monkeypatch, seconds=1.6):
    """Rest the mouse on ``element`` (pygame_gui reads the pointer with mouse.get_pos)."""
    pos = (element.rect.centerx, element.rect.centery)
    monkeypatch.setattr(pygame.mouse, "get_pos", lambda: pos)
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))
    )
    for _ in range(int(seconds / 0.05)):
        app.frame()


@pytest.mark.parametrize("field", ["gamma", "horizon"])
def test_the_tooltip_of_a_field_stays_off_its_error_message(app, field, monkeypatch):
    scene = app.scene
    type_into(app, scene.fields[field], "nonsense")
    assert scene.message and scene.message_rect is not None  # the refusal is on screen
    entry = scene.fields[field]
    hover(app, entry, monkeypatch)
    tip = entry.tool_tip
    assert tip is not None and tip.alive()  # the tooltip did open
    assert not tip.rect.colliderect(scene.message_rect)
    assert not tip.rect.colliderect(entry.rect)  # and still points at its own field


def test_a_button_tooltip_stays_off_the_training_status(app, monkeypatch):
    panel = app.scene.panel
    hover(app, panel.run, monkeypatch)
    tip = panel.run.tool_tip
    assert tip is not None and tip.alive()
    assert not tip.rect.colliderect(panel.status_text_rect)


def tooltip_lines(tip) -> list[str]:
    rows = tip.text_block.text_box_layout.layout_rows
    return ["".join(getattr(chunk, "text", "") for chunk in row.items) for row in rows]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_chinese_tooltip_is_not_cut_with_dashes(lang, monkeypatch):
    """pygame_gui breaks lines at spaces only, and cuts a longer run of characters with
    dashes: '尽快训练；再点一次-' / '-回到便于观察的速度'. The tooltip widens instead."""
    a = App(factory=fake_factory([]), lang=lang, remember=False, fixed_dt=0.05)
    try:
        a.frame()
        button = a.scene.panel.full_speed
        hover(a, button, monkeypatch)
        tip = button.tool_tip
        assert tip is not None and tip.alive()
        lines = tooltip_lines(tip)
        assert lines and not [line for line in lines if line.endswith("-") or line.startswith("-")]
        if lang == "zh":
            assert lines == ["尽快训练；再点一次回到便于观察的速度"]
    finally:
        a.close()
        from gridsim.app import language

        language.set_language("en", remember=False)
