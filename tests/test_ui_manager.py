"""CompactIdTheme builds the same theming ids as pygame_gui's own theme, under small keys."""

import pygame
import pytest
from pygame_gui.core.ui_appearance_theme import UIAppearanceTheme

from gridsim.app.ui_manager import CompactIdTheme, UIManager

CASES = [
    (["button"], ["button"], [None], ["#tab"]),
    (["window", None], ["window", "button"], [None, "@side"], ["#dialog", "#ok"]),
    (
        [None, None, "drop_down_menu"],
        ["panel", "selection_list", "button"],
        ["@x", None, None],
        [None, "#options", "#item"],
    ),
    ([], [], [], []),
    (None, ["label"], [None], [None]),
]


@pytest.fixture
def themes():
    pygame.display.init()
    pygame.font.init()
    manager = UIManager((200, 100))
    loader, locale = manager.resource_loader, manager._locale
    return UIAppearanceTheme(loader, locale), CompactIdTheme(loader, locale)


@pytest.mark.parametrize("ids", CASES)
def test_combined_ids_are_pygame_guis_own(themes, ids):
    stock, compact = themes
    assert compact.build_all_combined_ids(*ids) == stock.build_all_combined_ids(*ids)
    assert compact.build_all_combined_ids(*ids) is compact.build_all_combined_ids(*ids)


def test_cache_keys_stay_small_for_deep_elements(themes):
    stock, compact = themes
    deep = (["window"] * 6, ["window"] * 6, [None] * 6, ["#dialog"] * 6)
    stock.build_all_combined_ids(*deep)
    compact.build_all_combined_ids(*deep)
    (stock_key,) = stock.unique_theming_ids
    (compact_key,) = compact.unique_theming_ids
    assert len(str(compact_key)) < 1000 < len(stock_key)


def test_lists_of_different_lengths_are_refused_like_pygame_gui_does(themes):
    _, compact = themes
    with pytest.raises(ValueError, match="differ in length"):
        compact.build_all_combined_ids(["a"], ["a", "b"], [None], [None])


def test_the_app_uses_the_compact_theme():
    pygame.display.init()
    pygame.font.init()
    assert isinstance(UIManager((200, 100)).get_theme(), CompactIdTheme)
