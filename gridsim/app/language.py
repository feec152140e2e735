"""Switching the app's language: our catalog, pygame_gui's relabelling, CJK widget fonts.

English is the source language; ``assets/translations/zh.json`` maps English text to
Chinese (terms from the tutorial's glossary), and every ``assets/translations/zh/*.json``
adds the entries of one part of the app (one file per view keeps additions apart).
A switch does three things at once:

* ``i18n.set_language`` - every ``t("...")`` the app draws itself changes on the next frame;
* the same entries go into pygame_gui's translator (python-i18n's in-memory table) and
  ``manager.set_locale`` re-labels every widget whose text was given in English;
* the theme gets a ``"zh"`` font (Noto Sans SC, shipped by pygame_gui) for every element
  whose theme block names a Latin-only font, so widget text is not drawn as tofu boxes.

The choice is remembered with ``gridsim.settings.update_settings(language=...)``.
"""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

from gridsim.app import i18n

TRANSLATIONS = Path(__file__).resolve().parents[2] / "assets" / "translations"
THEME = Path(__file__).resolve().parents[2] / "assets" / "theme.json"
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
LANGUAGE_BUTTON = "#language"  # theme id of the English / 中文 buttons (CJK font always)
RECORD_BUTTON = "#record"  # the Record button: its ● and ■ are not in Noto Sans (Latin)
BATCH_LIST = "#batch_list"  # the inspector's trajectories: → and τ, in 12 pt to fit a line
CJK_FONT = {
    "name": "noto_sans_sc",
    "regular_resource": {"package": "pygame_gui.data", "resource": "NotoSansSC-Regular.otf"},
    "bold_resource": {"package": "pygame_gui.data", "resource": "NotoSansSC-Bold.otf"},
}


@lru_cache(maxsize=4)
def load_catalog(code: str) -> dict[str, str]:
    """English -> ``code`` for every string we know ({} for English or a missing file):
    ``TRANSLATIONS/code.json`` first, then ``TRANSLATIONS/code/*.json`` in name order."""
    if code == "en":
        return {}
    catalog: dict[str, str] = {}
    for path in catalog_files(code):
        data = json.loads(path.read_text(encoding="utf-8"))
        catalog.update((k, v) for k, v in data.items() if not k.startswith("_"))
    return catalog


def catalog_files(code: str) -> list[Path]:
    """The catalog files of language ``code`` that exist, in the order they are merged."""
    main = TRANSLATIONS / f"{code}.json"
    return ([main] if main.is_file() else []) + sorted((TRANSLATIONS / code).glob("*.json"))


def zh_font_theme(theme_path: Path = THEME) -> dict:
    """A theme overlay giving every font block of ``theme_path`` a "zh" variant in Noto Sans SC
    (same size and weight), so pygame_gui picks it while the locale is zh."""
    try:
        theme = json.loads(Path(theme_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        theme = {}
    overlay = {}
    for element, block in theme.items():
        fonts = block.get("font") if isinstance(block, dict) else None
        if fonts is None:
            continue
        fonts = [fonts] if isinstance(fonts, dict) else list(fonts)
        latin = next((f for f in fonts if f.get("locale", "en") == "en"), fonts[0])
        if any(f.get("locale") == "zh" for f in fonts):
            continue
        zh = {k: v for k, v in latin.items() if k in ("size", "bold", "italic")}
        overlay[element] = {"font": [latin, {**zh, **CJK_FONT, "locale": "zh"}]}
    # the language switch shows "中文" in every language: a #tab look in the CJK font
    tab = dict(theme.get("#tab", {}))
    size = {k: v for k, v in _first_font(tab).items() if k in ("size", "bold")}
    tab["font"] = [{**size, **CJK_FONT, "locale": code} for code in ("en", "zh")]
    overlay[LANGUAGE_BUTTON] = tab
    overlay[RECORD_BUTTON] = dict(tab)
    overlay[f"{BATCH_LIST}.#item_list_item"] = {
        "font": [{"size": "12", **CJK_FONT, "locale": code} for code in ("en", "zh")]
    }
    return overlay


def _first_font(block: dict) -> dict:
    fonts = block.get("font", {})
    return fonts if isinstance(fonts, dict) else (fonts[0] if fonts else {})


def add_cjk_fonts(manager, theme_path: Path = THEME) -> None:
    """Load ``zh_font_theme`` into ``manager``'s theme (pygame_gui merges theme files)."""
    # pygame_gui reloads its default font (8.5 MB for zh) on every set_locale that changes
    # it, and the old copies stay in memory: about 2 MB RSS per switch, measured. Noto Sans
    # SC draws Latin too, so one default font for both languages makes a switch free.
    fonts = manager.get_theme().get_font_dictionary()
    fonts.default_font_dictionary["en"] = fonts.default_font_dictionary["zh"]
    overlay = zh_font_theme(theme_path)
    if not overlay:
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(overlay, f)
    try:
        manager.get_theme().load_theme(f.name)
    finally:
        Path(f.name).unlink(missing_ok=True)


def register_with_pygame_gui(code: str) -> None:
    """Put our catalog into pygame_gui's translator, so widgets made with English text re-label."""
    import i18n as python_i18n  # pygame_gui's translation library

    for english, text in load_catalog(code).items():
        python_i18n.add_translation(english, text, locale=code)


def set_language(code: str, manager=None, remember: bool = True) -> None:
    """Switch everything to ``code`` ('en' or 'zh'); remembered between runs if ``remember``."""
    if code not in LANGUAGE_NAMES:
        raise ValueError(f"unknown language {code!r} (choose from {', '.join(LANGUAGE_NAMES)})")
    i18n.set_language(code, load_catalog(code))
    if manager is not None:
        register_with_pygame_gui(code)
        manager.set_locale(code)
    if remember:
        from gridsim.settings import update_settings

        update_settings(language=code)


def saved_language() -> str:
    """The language chosen last time ('en' if none)."""
    from gridsim.settings import load_settings

    return load_settings().language
