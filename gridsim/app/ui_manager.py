"""pygame_gui's UIManager with a theme whose element-id cache stays small.

pygame_gui 0.6.14 caches each element's theming ids under a key built by nesting
``str.join`` over the four id lists (``UIAppearanceTheme.build_all_combined_ids``), so
a key is the product of their lengths: megabytes for an element inside a window (a file
dialog's list items, a drop-down's options). Each new dialog or option added such keys
for good, and a 5-minute soak of random clicks grew the app by ~70 MB (measured with
``bench/soak_app.py``). ``CompactIdTheme`` keys the same cache by the tuple of the id
lists and builds the id list exactly as pygame_gui does.
"""

from __future__ import annotations

import pygame_gui
from pygame_gui.core.ui_appearance_theme import UIAppearanceTheme


def _frozen(ids):
    return None if ids is None else tuple(ids)


class CompactIdTheme(UIAppearanceTheme):
    """The stock theme, with the combined-id cache keyed by small tuples."""

    def build_all_combined_ids(self, element_base_ids, element_ids, class_ids, object_ids):
        key = tuple(map(_frozen, (element_base_ids, element_ids, class_ids, object_ids)))
        cached = self.unique_theming_ids.get(key)
        if cached is not None:
            return cached
        combined: list[str] = []
        if None not in key:
            if not len(object_ids) == len(class_ids) == len(element_base_ids) == len(element_ids):
                raise ValueError(
                    f"theming id lists differ in length: element {element_ids}, "
                    f"base {element_base_ids}, class {class_ids}, object {object_ids}"
                )
            if element_ids:
                self._get_next_id_node(
                    None,
                    element_base_ids,
                    element_ids,
                    class_ids,
                    object_ids,
                    0,
                    len(element_ids),
                    combined,
                )
            # each id also stands for its less specific suffixes ('a.b.c', then 'b.c',
            # 'c'), peeled a level per pass until a pass meets an id with no '.' left
            current = combined[:]
            done = not current
            while not done:
                for index, each in enumerate(current):
                    dot = each.find(".")
                    if dot == -1:
                        done = True
                    else:
                        current[index] = each[dot + 1 :]
                        combined.append(current[index])
        self.unique_theming_ids[key] = combined
        return combined


class UIManager(pygame_gui.UIManager):
    """pygame_gui.UIManager whose theme is a ``CompactIdTheme``."""

    def create_new_theme(self, theme_path=None) -> UIAppearanceTheme:
        theme = CompactIdTheme(self.resource_loader, self._locale)
        if theme_path is not None:
            theme.load_theme(theme_path)
        return theme
