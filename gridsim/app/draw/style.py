"""Colours, fonts and text of what the app draws itself (widgets use assets/theme.json).

Text is drawn in the current language's font (Chinese: Noto Sans SC), cached per language;
formulas in it (``V^π``, ``Σ_a``, ``γ^t r_t``: see ``draw.formulas``) are typeset.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pygame
from cachetools import LRUCache, cached

from gridsim.app.draw import formulas
from gridsim.app.i18n import language

# The tutorial's figures: white cells, red forbidden, green target.
BACKGROUND = (236, 239, 244)
PANEL = (248, 249, 251)
PANEL_EDGE = (206, 211, 220)
TOPBAR = (44, 52, 68)
CELL = (255, 255, 255)
FORBIDDEN = (240, 120, 90)
WALL = (96, 100, 112)  # forbidden cells in "walls" mode: solid, hatched
WALL_LINE = (128, 132, 146)
WALL_LABEL = (230, 232, 238)
TARGET = (112, 200, 120)
GRID_LINE = (90, 96, 110)
START = (40, 110, 220)
LABEL = (70, 76, 90)
TEXT = (30, 34, 44)
MUTED = (120, 126, 140)
ERROR = (200, 40, 40)
OK = (30, 130, 60)
ARROW = (24, 44, 110)
OPTIMAL = (150, 60, 190)
VALUE_PI = (24, 44, 110)
VALUE_STAR = (120, 40, 160)
PATH = (245, 160, 30)
REWARD_TAG = (255, 248, 225)
AGENT = (255, 200, 40)
POSITIVE = (70, 170, 90)
NEGATIVE = (220, 80, 70)
PLOT_LINE = (120, 150, 220)
PLOT_MEAN = (20, 60, 170)
PLOT_BEST = (150, 60, 190)
PLOT_GRID = (225, 228, 234)
CART = (60, 70, 90)
POLE = (205, 140, 70)
TRACK = (90, 96, 110)
LEFT_BAR = (90, 130, 220)
RIGHT_BAR = (230, 140, 60)
NOT_OPTIMAL = (235, 150, 20, 90)
"""Light amber hatching (RGBA) on a cell whose greedy action is not optimal yet."""
NOT_OPTIMAL_ON_COLOUR = (255, 255, 255, 120)
"""The same hatching on a forbidden (red) or target (green) cell: white shows there."""


FONT_FILES = {
    ("en", False): "NotoSans-Regular.ttf",
    ("en", True): "NotoSans-Bold.ttf",
    ("zh", False): "NotoSansSC-Regular.otf",
    ("zh", True): "NotoSansSC-Bold.otf",
}


def font_file(lang: str, bold: bool = False) -> Path:
    """The pygame_gui font file used for ``lang``: Noto Sans, or Noto Sans SC for Chinese
    (shipped by pygame_gui under the SIL Open Font License, so no CJK font is needed)."""
    import pygame_gui

    name = FONT_FILES.get((lang, bold), FONT_FILES[("en", bold)])
    return Path(pygame_gui.__file__).resolve().parent / "data" / name


@lru_cache(maxsize=64)
def _font(lang: str, size: int, bold: bool) -> pygame.font.Font:
    return pygame.font.Font(str(font_file(lang, bold)), max(6, int(size)))


def font(size: int, bold: bool = False) -> pygame.font.Font:
    """The drawing font of the current language at a pixel size."""
    return _font(language(), int(size), bool(bold))


TEXT_CACHE_BYTES = 8 * 1024 * 1024
"""Pixel bytes of rendered lines kept for reuse. A byte bound, not a count: lines that change
every frame (CartPole's readouts) are wide, and 512 of them held ~25 MB in a soak."""


def surface_bytes(image: pygame.Surface) -> int:
    return image.get_width() * image.get_height() * image.get_bytesize()


@cached(LRUCache(maxsize=TEXT_CACHE_BYTES, getsizeof=surface_bytes))
def _text(lang: str, message: str, size: int, color, bold: bool) -> pygame.Surface:
    if formulas.has_scripts(message):  # V^π, γ^t r_t: scripts smaller, raised or lowered
        return formulas.compose(
            formulas.parse(message),
            size,
            lambda part, s: _text(lang, part, s, color, bold),  # runs are cached too
            lambda s: _font(lang, s, bold).get_ascent(),
        )
    return _plain_text(lang, message, size, color, bold)


def _plain_text(lang: str, message: str, size: int, color, bold: bool) -> pygame.Surface:
    runs = _runs(lang, message, bold)
    if len(runs) == 1:
        return _font(runs[0][0], size, bold).render(message, True, color)
    # glyphs the language's font lacks come from the other font, on a common baseline
    fonts = [_font(code, size, bold) for code, _ in runs]
    images = [f.render(part, True, color) for f, (_, part) in zip(fonts, runs, strict=True)]
    ascent = max(f.get_ascent() for f in fonts)
    height = max(
        ascent - f.get_ascent() + i.get_height() for f, i in zip(fonts, images, strict=True)
    )
    out = pygame.Surface((sum(i.get_width() for i in images), height), pygame.SRCALPHA)
    x = 0
    for f, image in zip(fonts, images, strict=True):
        out.blit(image, (x, ascent - f.get_ascent()))
        x += image.get_width()
    return out


def _runs(lang: str, message: str, bold: bool) -> list[tuple[str, str]]:
    """``message`` cut into (font language, text) runs: each character in ``lang``'s font,
    unless only the other font has it (Noto Sans SC lacks ⁵ and ĝ, Noto Sans lacks ≤ and ∑).
    Both fonts have ASCII and Latin-1; anything beyond is looked up."""
    other = "en" if lang == "zh" else "zh"
    runs: list[tuple[str, str]] = []
    for ch in message:
        code = lang if ch < "\u0100" or _has_glyph(lang, bold, ch) else other
        code = code if code == lang or _has_glyph(other, bold, ch) else lang
        if runs and runs[-1][0] == code:
            runs[-1] = (code, runs[-1][1] + ch)
        else:
            runs.append((code, ch))
    return runs or [(lang, "")]


@lru_cache(maxsize=4096)
def _has_glyph(lang: str, bold: bool, ch: str) -> bool:
    """Whether ``lang``'s font draws ``ch`` (a missing glyph renders as the .notdef box)."""
    f = _font(lang, 16, bold)
    return ch.isspace() or _pixels(f, ch) != _pixels(f, "\ue000")  # U+E000: never in a font


def _pixels(f: pygame.font.Font, ch: str) -> bytes:
    return pygame.image.tobytes(f.render(ch, True, (0, 0, 0), (255, 255, 255)), "RGB")


def canvas(previous: pygame.Surface | None, size) -> pygame.Surface:
    """``previous`` cleared to the background colour when it has ``size``, else a new surface.

    For what is redrawn many times a second (the board, the plot): a new surface per
    redraw allocated ~1 GB in 150 s of soak (memray), churn the C heap need not see.
    """
    if previous is None or previous.get_size() != tuple(size):
        previous = pygame.Surface(size)
    previous.fill(CELL)
    return previous


def text(message: str, size: int, color=TEXT, bold: bool = False) -> pygame.Surface:
    """A rendered, cached line of text in the current language's font."""
    return _text(language(), message, int(size), tuple(color), bool(bold))


def blit_text(surface, message: str, pos, size: int, color=TEXT, bold=False, anchor="topleft"):
    """Draw one line of text anchored at ``pos`` ('topleft', 'center', 'midtop', ...); its Rect."""
    image = text(message, size, color, bold)
    rect = image.get_rect(**{anchor: pos})
    surface.blit(image, rect)
    return rect


def blit_lines(surface, lines, pos, size: int, color=TEXT, bold=False, gap: int = 4) -> int:
    """Draw lines top to bottom from ``pos``; returns the y below the last one."""
    x, y = pos
    for line in lines:
        blit_text(surface, line, (x, y), size, color, bold)
        y += size + gap
    return y


def wrap(message: str, size: int, width: int, bold: bool = False) -> tuple[str, ...]:
    """Lines no wider than ``width`` pixels: one per paragraph ("\\n"), split at spaces, and
    inside a word too wide (a Chinese sentence has no spaces) between characters."""
    return _wrap(language(), message, int(size), int(width), bool(bold))


def fit_lines(
    message: str, size: int, width: int, max_lines: int, smallest: int = 11, bold: bool = False
) -> tuple[tuple[str, ...], int]:
    """(lines, size): ``message`` wrapped to ``width`` in at most ``max_lines`` lines at the
    largest size from ``size`` down to ``smallest`` that allows it; if none does, every line
    at ``smallest`` (never a cut-off line: the caller decides what else to leave out)."""
    for s in range(int(size), int(smallest) - 1, -1):
        lines = wrap(message, s, width, bold)
        if len(lines) <= max_lines:
            return lines, s
    return wrap(message, smallest, width, bold), int(smallest)


@lru_cache(maxsize=1024)
def _wrap(lang: str, message: str, size: int, width: int, bold: bool) -> tuple[str, ...]:
    f = _font(lang, size, bold)

    def wide(line: str) -> int:  # typeset lines are narrower than their markup
        if formulas.has_scripts(line):
            return _text(lang, line, size, TEXT, bold).get_width()
        return f.size(line)[0]

    lines: list[str] = []
    for paragraph in message.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if wide(trial) <= width:
                line = trial
                continue
            if wide(word) <= width and not _is_cjk(word):  # it fits on a line of its own
                lines.append(line)
                line = word
                continue
            line = f"{line} " if line else ""
            for ch in word:  # Chinese (or a word wider than a line): between characters
                if line.strip() and wide(line + ch) > width:
                    line, carried = _keep_punctuation(line, ch)
                    lines.append(line.rstrip())
                    line = carried
                line += ch
        lines.append(line)
    return tuple(lines)


NO_LINE_END = "“‘（《「『【〈"
"""Opening marks a Chinese line never ends with (they go down with the word they open)."""
NO_LINE_START = "”’），。、；：！？》」』】〉"
"""Closing marks and stops a Chinese line never starts with (the character before them
comes down too)."""


def _keep_punctuation(line: str, ch: str) -> tuple[str, str]:
    """Where a line of characters breaks before ``ch``: (the line, what moves down with
    ``ch``), so that "“停止”" is not split after its “ and "。" does not start a line."""
    carried = ""
    if ch in NO_LINE_START and len(line.strip()) > 1:
        line, carried = line[:-1], line[-1]
    while len(line.strip()) > 1 and line[-1] in NO_LINE_END:
        line, carried = line[:-1], line[-1] + carried
    return line, carried


def _is_cjk(word: str) -> bool:
    """Chinese text (ideographs, CJK or full-width punctuation) breaks between characters."""
    return any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in word)
