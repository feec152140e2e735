"""Widgets pygame_gui drops are freed soon after the user's input, not minutes later."""

import gc
import weakref

import pygame

from gridsim.app.app import App
from gridsim.app.garbage import Collector
from gridsim.app.testing import fake_factory


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_collects_after_input_at_most_every_interval(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append(a) or 0)
    clock = Clock()
    c = Collector(min_interval=2.0, clock=clock)
    assert not c.maybe_collect()  # no input yet
    c.note_input()
    clock.now = 1.0
    assert not c.maybe_collect()  # too soon after the last one
    clock.now = 2.5
    assert c.maybe_collect() and len(calls) == 1
    clock.now = 9.0
    assert not c.maybe_collect()  # nothing happened since
    c.note_input()
    assert c.maybe_collect() and len(calls) == 2


def test_a_relabelled_boxs_old_text_layout_is_freed_after_the_next_input():
    app = App(factory=fake_factory())
    try:
        app.frame()
        entry = app.scene.fields["gamma"]
        old = weakref.ref(entry.drawable_shape.text_box_layout)
        gc.disable()  # only the app's own collection may free it
        entry.set_text("0.5")  # a new layout; the old one is a reference cycle
        app.frame()
        assert old() is not None
        app.collector.last -= app.collector.min_interval
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=pygame.K_a, mod=0))
        app.frame()
        assert old() is None and app.collector.collections == 1
    finally:
        gc.enable()
        app.close()
