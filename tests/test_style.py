"""Text the app draws itself: cached, but within a fixed number of pixel bytes."""

import pygame

from gridsim.app.draw import style


def test_lines_that_change_every_frame_do_not_grow_the_text_cache():
    pygame.font.init()
    for frame in range(3000):  # CartPole's readout: a new wide line every frame
        style.text(f"observation: cart x = {frame * 1e-3:+.3f} m, velocity ...", 14)
    cache = style._text.cache
    assert 0 < cache.currsize <= style.TEXT_CACHE_BYTES
    assert len(cache) < 3000


def test_a_cached_line_is_the_same_surface():
    pygame.font.init()
    a = style.text("s1", 13, style.LABEL)
    assert style.text("s1", 13, style.LABEL) is a
    assert style.surface_bytes(a) == a.get_width() * a.get_height() * a.get_bytesize()
