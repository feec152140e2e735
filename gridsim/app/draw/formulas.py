"""Formulas as the tutorial writes them: typeset scripts (V^π, Σ_a, γ^t r_t, π(a_2|s_1)) and
the written-out sums of a trajectory (return and discounted return).

Markup, as in TeX but only where it cannot misfire on ordinary words: ``^x`` raises and
``_x`` lowers a short token (up to three letters, digits or Greek letters, or ``*``) or a
``{braced group}``, and only after a *base* that is a single letter or Greek letter, a
closing bracket, ``*``, or an operator (Σ ∑ max min log E). So ``simple_pg``, ``batch_steps``
and ``r_forbidden`` stay as they are, while ``V^π(s_t)`` is typeset. ``parse`` is pure; the
drawing code (``style.text``) renders the runs it returns with ``compose``. Widgets cannot
typeset: ``plain`` gives their Unicode form (``V^π`` -> ``Vπ``, ``γ^2`` -> ``γ²``).
"""

from __future__ import annotations

import re

from gridsim.app.i18n import t
from gridsim.trajectory import Trajectory, format_number

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

SCRIPT_SCALE = 0.7
"""Scripts are drawn at this share of the text's size."""
RAISE, LOWER = 0.42, 0.22
"""A superscript's baseline sits RAISE x size above the text's, a subscript's LOWER x size below."""

OPERATORS = ("Σ", "∑", "max", "min", "argmax", "log", "E")
_SCRIPT = re.compile(
    r"(?P<mark>[\^_])(?:\{(?P<group>[^{}]*)\}|(?P<token>-?[^\W_]{1,3}(?![^\W_])|\*))"
)
_WORD_END = re.compile(r"[^\W\d_]+$")


def _has_base(before: str) -> bool:
    """Whether a script may follow ``before``: it ends in a lone letter (a word of one
    letter, Greek too), an operator, a closing bracket, * or a prime."""
    if not before:
        return False
    if before[-1] in ")]*′'":
        return True
    word = _WORD_END.search(before)
    return word is not None and (len(word.group()) == 1 or word.group() in OPERATORS)


_SUPER_FORMS = dict(zip("0123456789+-=()in*tT", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ*ᵗᵀ", strict=True))
_SUB_FORMS = dict(zip("0123456789+-=()aeoxhklmnpst", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜ", strict=True))


def parse(text: str) -> tuple[tuple[str, int], ...]:
    """``text`` as runs (part, level): 0 on the line, +1 raised, -1 lowered.

    >>> parse("V^π(s_t)")
    (('V', 0), ('π', 1), ('(s', 0), ('t', -1), (')', 0))
    >>> parse("simple_pg")
    (('simple_pg', 0),)
    """
    runs: list[tuple[str, int]] = []
    at = 0
    for match in _SCRIPT.finditer(text):
        if not _has_base(text[at : match.start()]):
            continue
        if match.start() > at:
            runs.append((text[at : match.start()], 0))
        script = match.group("group") if match.group("group") is not None else match["token"]
        if script:
            runs.append((script, 1 if match["mark"] == "^" else -1))
        at = match.end()
    if at < len(text) or not runs:
        runs.append((text[at:], 0))
    return tuple(runs)


def has_scripts(text: str) -> bool:
    """Whether ``text`` has anything to typeset (cheap: most lines have neither ^ nor _)."""
    return ("^" in text or "_" in text) and len(parse(text)) > 1


def plain(text: str) -> str:
    """``text`` for a widget, which cannot typeset: scripts in their Unicode forms where the
    fonts have them all (γ^2 -> γ², a_2 -> a₂), else inline (V^π -> Vπ, π_old -> πold)."""
    out = []
    for part, level in parse(text):
        forms = _SUPER_FORMS if level > 0 else _SUB_FORMS if level < 0 else None
        if forms is not None and all(ch in forms for ch in part):
            part = "".join(forms[ch] for ch in part)
        out.append(part)
    return "".join(out)


def compose(runs, size: int, render, ascent):
    """Draw typeset ``runs`` (from ``parse``) side by side on one transparent surface.

    ``render(part, size)`` draws a plain run as a Surface and ``ascent(size)`` is the
    distance from a line's top to its baseline at that size: every run is placed on its
    level's baseline (scripts SCRIPT_SCALE smaller, RAISE above or LOWER below)."""
    import pygame  # drawing only; parse and plain need no pygame

    small = max(6, round(size * SCRIPT_SCALE))
    placed = []
    for part, level in runs:
        s = size if level == 0 else small
        shift = -RAISE * size if level > 0 else LOWER * size if level < 0 else 0.0
        image = render(part, s)
        placed.append((image, shift - ascent(s)))  # top of the run, from the baseline
    top = min(dy for _, dy in placed)
    bottom = max(dy + image.get_height() for image, dy in placed)
    width = sum(image.get_width() for image, _ in placed)
    out = pygame.Surface((max(1, width), max(1, round(bottom - top))), pygame.SRCALPHA)
    x = 0
    for image, dy in placed:
        out.blit(image, (x, round(dy - top)))
        x += image.get_width()
    return out


def gamma_power(k: int) -> str:
    """'' for k=0, 'γ' for 1, 'γ²', 'γ³', ... as the tutorial writes them."""
    if k == 0:
        return ""
    return "γ" if k == 1 else "γ" + str(k).translate(_SUPERSCRIPTS)


def return_equation(traj: Trajectory) -> str:
    """'return = 0 + 0 + 0 + 1 = 1' (the core's notation, localised)."""
    text = traj.return_equation()
    return t("return") + text[len("return") :]


def discounted_equation(traj: Trajectory, gamma: float, max_terms: int = 6) -> str:
    """'discounted return = 0 + γ0 + γ²0 + γ³1 + … = 0.729 (γ = 0.9)'."""
    name = t("discounted return")
    g = format_number(gamma)
    if len(traj) == 0:
        return f"{name} = 0"
    terms = []
    for k, r in enumerate(traj.rewards[:max_terms]):
        value = format_number(r)
        if k == 0:
            terms.append(value)
        else:
            terms.append(
                f"{gamma_power(k)}({value})"
                if value.startswith("-")
                else f"{gamma_power(k)}{value}"
            )
    more = " + …" if len(traj) > max_terms else ""
    total = format_number(round(traj.discounted_return(gamma), 6))
    return f"{name} = {' + '.join(terms)}{more} = {total}   (γ = {g})"


def prefix(traj: Trajectory, steps: int) -> Trajectory:
    """The first ``steps`` steps of a trajectory."""
    steps = max(0, min(steps, len(traj)))
    return Trajectory(traj.states[: steps + 1], traj.actions[:steps], traj.rewards[:steps])
