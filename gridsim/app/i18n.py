"""Every user-visible string goes through ``t()``: one place to add languages (issue #5).

English is the source language. A catalog maps English text to another language's
text; ``set_language`` switches it. Widgets created by pygame_gui can later use
its own localisation (``manager.set_locale``) with the same English keys.
"""

from __future__ import annotations

import re
from functools import lru_cache

LANGUAGES: tuple[str, ...] = ("en",)
_catalogs: dict[str, dict[str, str]] = {"en": {}}
_language = "en"


def t(text: str, **fields) -> str:
    """The current language's version of English ``text``, with ``{name}`` fields filled in."""
    translated = _catalogs.get(_language, {}).get(text, text)
    return translated.format(**fields) if fields else translated


def set_language(code: str, catalog: dict[str, str] | None = None) -> None:
    """Switch language; ``catalog`` (English -> translation) registers or replaces one."""
    global _language
    if catalog is not None:
        _catalogs[code] = dict(catalog)
    if code not in _catalogs:
        raise ValueError(f"unknown language {code!r}")
    _language = code
    _templates.cache_clear()


def language() -> str:
    return _language


def translate_message(text: str) -> str:
    """``text`` made elsewhere in English (e.g. the trainer's "solved at 84000 steps"), in the
    current language: an exact catalog entry, or the first template ("solved at {n} steps")
    it matches, with the matched fields put into the translation; else ``text`` unchanged."""
    catalog = _catalogs.get(_language, {})
    if text in catalog or not catalog:
        return catalog.get(text, text)
    for pattern, translated in _templates(_language):
        match = pattern.fullmatch(text)
        if match:
            return translated.format(**match.groupdict())
    return text


@lru_cache(maxsize=8)
def _templates(code: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(regex, translation) for every catalog entry with {fields} and some literal text."""
    out = []
    for english, translated in _catalogs.get(code, {}).items():
        if re.search(r"\{\w*[^\w}]", english):
            continue  # {x!r}, {v:.2f}: not worth matching back
        parts = re.split(r"\{(\w+)\}", english)
        literal, fields = parts[0::2], parts[1::2]
        if not fields or not "".join(literal).strip() or len(set(fields)) != len(fields):
            continue
        regex = "".join(
            re.escape(lit) + (f"(?P<{name}>.+?)" if name else "")
            for lit, name in zip(literal, [*fields, ""], strict=True)
        )
        out.append((re.compile(regex, re.DOTALL), translated))
    return tuple(out)
