"""One layout step for the text of a picture: no label is ever drawn over another.

Every label offers spots (where its text may go, best first), texts (the long form first,
e.g. ``V^π=-3.63``, then shorter ones) and sizes (largest first). Labels are placed in
order of priority (lowest number first; ties in the order given): each takes the first
(size, text, spot) whose box - the text's ink with a small margin, which is also the
light "halo" drawn behind it so it stays readable over arrows and paths - lies inside the
bounds and clear of every box placed (or reserved) before it. A label that fits nowhere
is dropped: a smaller picture shows less, never a pile of text.

A label may be measured as a stand-in (``measure_as``: '-8.88' for any number written
that way): then where the labels go depends on the form of the numbers, not on their values,
so a board whose values change at every training update keeps its ``Plan`` and only redraws
the text (placing is done once per world, size, language and form, never per frame).
``Layout.boxes`` are the rectangles of all text drawn, which tests check never intersect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import pygame

from gridsim.app.draw import style
from gridsim.app.i18n import language

MARGIN = 2
"""Pixels of halo around a label's ink: two labels keep at least twice this apart."""
HALO = (255, 255, 255, 170)
"""The halo's white (RGBA): translucent, so a path or an arrow under a label still shows."""


@dataclass(frozen=True)
class Spot:
    """A place for a label: the point ``(x, y)`` its box's ``anchor`` goes to ('center',
    'topleft', 'bottomright', 'midleft', ...), as for ``pygame.Rect``."""

    x: float
    y: float
    anchor: str = "center"


@dataclass(frozen=True)
class Label:
    """Text to place: ``texts`` and ``sizes`` are alternatives, preferred first; the box
    must also lie inside ``clip`` (x, y, w, h), e.g. the label's own cell; ``measure_as``
    (one per text) are what the box is measured from, when not the texts themselves."""

    texts: tuple[str, ...]
    spots: tuple[Spot, ...]
    sizes: tuple[int, ...]
    color: tuple[int, int, int] = style.TEXT
    priority: int = 0
    bold: bool = False
    halo: bool = True
    clip: tuple[int, int, int, int] | None = None
    measure_as: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Placed:
    """Where a label went: its chosen text and size, and ``box``, the rectangle it covers."""

    label: Label
    text: str
    size: int
    box: pygame.Rect
    anchor: str = "center"


@dataclass(frozen=True)
class Plan:
    """Where a list of labels went: (label index, text index, size, box, anchor) each."""

    bounds: tuple[int, int, int, int]
    steps: tuple[tuple[int, int, int, tuple[int, int, int, int], str], ...]
    reserved: tuple[tuple[int, int, int, int], ...] = ()

    def apply(self, labels) -> Layout:
        """A layout with ``labels`` (of the same forms, in the same order, as the planned
        ones) at their planned places: no measuring, no search."""
        placed = [
            Placed(labels[i], labels[i].texts[j], size, pygame.Rect(box), anchor)
            for i, j, size, box, anchor in self.steps
        ]
        reserved = [pygame.Rect(box) for box in self.reserved]
        return Layout(pygame.Rect(self.bounds), placed, reserved)


def ink(message: str, size: int, bold: bool = False) -> pygame.Rect:
    """The rectangle of ``message``'s visible pixels, relative to its rendered image's
    top-left corner (fonts leave blank rows above and below every line)."""
    return pygame.Rect(_cached_ink(language(), message, int(size), bool(bold)))


@lru_cache(maxsize=4096)
def _cached_ink(lang: str, message: str, size: int, bold: bool) -> tuple[int, int, int, int]:
    return tuple(_ink(style.text(message, size, style.TEXT, bold)))


def _ink(image: pygame.Surface) -> pygame.Rect:
    rect = image.get_bounding_rect()
    return rect if rect.width and rect.height else pygame.Rect(0, 0, 1, 1)


def box_at(message: str, size: int, bold: bool, spot: Spot) -> pygame.Rect:
    """The box (ink + MARGIN) of ``message`` when its box is anchored at ``spot``."""
    box = ink(message, size, bold).inflate(2 * MARGIN, 2 * MARGIN)
    box.topleft = (0, 0)
    setattr(box, spot.anchor, (round(spot.x), round(spot.y)))
    return box


@dataclass
class Layout:
    """Boxes taken so far inside ``bounds``; ``place`` finds room for one more label."""

    bounds: pygame.Rect
    placed: list[Placed] = field(default_factory=list)
    reserved: list[pygame.Rect] = field(default_factory=list)
    bucket: int = 48
    _buckets: dict | None = None  # box lists by grid square: built when first searched

    def copy(self) -> Layout:
        """An independent layout with the same boxes (to add more labels to a cached one)."""
        return Layout(pygame.Rect(self.bounds), list(self.placed), list(self.reserved), self.bucket)

    @property
    def boxes(self) -> list[pygame.Rect]:
        """Every rectangle of text placed (not the plain reservations)."""
        return [p.box for p in self.placed]

    def free(self, box: pygame.Rect, clip=None) -> bool:
        """Whether ``box`` lies inside the bounds (and ``clip``) and overlaps nothing taken."""
        if not self.bounds.contains(box) or (
            clip is not None and not pygame.Rect(clip).contains(box)
        ):
            return False
        index = self._index()
        return all(box.collidelist(index.get(key, ())) < 0 for key in self._keys(box))

    def reserve(self, box: pygame.Rect) -> None:
        """Keep ``box`` free of labels (something other than text that must stay visible)."""
        box = pygame.Rect(box)
        self.reserved.append(box)
        self._take(box)

    def _index(self) -> dict:
        if self._buckets is None:
            self._buckets = {}
            for box in [*self.reserved, *(p.box for p in self.placed)]:
                self._take(box)
        return self._buckets

    def _take(self, box: pygame.Rect) -> None:
        if self._buckets is not None:
            for key in self._keys(box):
                self._buckets.setdefault(key, []).append(box)

    def place(self, label: Label) -> Placed | None:
        """Put ``label`` at its first free (size, text, spot), or drop it (None)."""
        measured = label.measure_as or label.texts
        for size in label.sizes:
            for message, stand_in in zip(label.texts, measured, strict=True):
                for spot in label.spots:
                    box = box_at(stand_in, size, label.bold, spot)
                    if self.free(box, label.clip):
                        placed = Placed(label, message, size, box, spot.anchor)
                        self.placed.append(placed)
                        self._take(box)
                        return placed
        return None

    def place_all(self, labels, reserve_at=None) -> list[Placed]:
        """Place ``labels`` by priority (stable); the ones that found room. ``reserve_at``:
        (priority, boxes) kept free for the labels of that priority and after (drawing the
        more important ones may cover: e.g. arrows that yield to names but not to numbers)."""
        out = []
        pending = reserve_at
        for label in sorted(labels, key=lambda each: each.priority):
            if pending is not None and label.priority >= pending[0]:
                for box in pending[1]:
                    self.reserve(box)
                pending = None
            placed = self.place(label)
            if placed is not None:
                out.append(placed)
        return out

    def plan(self, labels, reserve_at=None) -> Plan:
        """Place ``labels`` (see ``place_all``) and remember where each went, to place labels
        of the same forms (the same stand-ins) again without searching: see ``Plan.apply``."""
        index = {id(label): i for i, label in enumerate(labels)}
        placed = self.place_all(labels, reserve_at)
        steps = tuple(
            (index[id(p.label)], p.label.texts.index(p.text), p.size, tuple(p.box), p.anchor)
            for p in placed
        )
        return Plan(tuple(self.bounds), steps, tuple(tuple(r) for r in self.reserved))

    def _keys(self, box: pygame.Rect):
        b = self.bucket
        for bx in range(box.left // b, (box.right - 1) // b + 1):
            for by in range(box.top // b, (box.bottom - 1) // b + 1):
                yield (bx, by)


def draw_placed(
    surface: pygame.Surface, placed, offset=(0, 0), halo_alpha: int = HALO[3]
) -> list[pygame.Rect]:
    """Draw placed labels (halo, then text) shifted by ``offset``; the boxes drawn.
    ``halo_alpha`` (0-255): how much of what lies under a label its halo hides."""
    drawn = []
    ox, oy = offset
    alpha = bool(surface.get_flags() & pygame.SRCALPHA)
    for p in placed:
        box = p.box.move(ox, oy)
        if p.label.halo:
            # a blit, not fill(): pygame's fill() of a small rect costs ~10x a blit
            flags = pygame.BLEND_RGBA_MAX if alpha else 0
            surface.blit(_halo(box.w, box.h, halo_alpha), box, special_flags=flags)
        draw_in_box(surface, p.text, p.size, p.label.color, p.label.bold, box, p.anchor)
        drawn.append(box)
    return drawn


@lru_cache(maxsize=256)
def _halo(w: int, h: int, alpha: int = HALO[3]) -> pygame.Surface:
    """A translucent white box: behind a label, so it stays readable over lines."""
    veil = pygame.Surface((w, h), pygame.SRCALPHA)
    veil.fill((*HALO[:3], alpha))
    return veil


def draw_in_box(
    surface, message: str, size: int, color, bold: bool, box: pygame.Rect, anchor="center"
) -> None:
    """``message``'s ink in ``box``: centred, or against the side ``anchor`` names (a
    number shorter than its stand-in keeps to its corner)."""
    image = style.text(message, size, color, bold)
    area = pygame.Rect(_cached_ink(language(), message, int(size), bool(bold)))
    x = box.centerx - area.w // 2
    if "left" in anchor:
        x = box.x + MARGIN
    elif "right" in anchor:
        x = box.right - MARGIN - area.w
    surface.blit(image, (x, box.centery - area.h // 2), area)
