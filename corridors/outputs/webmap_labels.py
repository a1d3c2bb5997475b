"""Placement of the interactive map's labels (:mod:`corridors.outputs.webmap`): each label
(:class:`_Label`) tries places on rings around its marker, clear of the markers and of the
labels placed before it (:func:`_place_labels`), and becomes SVG text, with a leader line when
it had to move away. The sizes are estimated from the font size; nothing is measured.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass
class _Label:
    """A text to place near the anchor ``(x, y)`` (SVG units) clear of a marker of radius
    ``r``; ``cls``: "" (black), "short" or "cut" (red, bold); higher priority placed first."""

    x: float
    y: float
    text: str
    cls: str
    priority: float
    r: float


_FONT = 11.0  # SVG units at the initial view, as in webmap.MAP_CSS
_DIRS = [(1, -1), (1, 1), (-1, -1), (-1, 1), (1, 0), (-1, 0), (0, -1), (0, 1)]
_RINGS = (2.0, 7.0, 14.0, 24.0, 36.0, 50.0, 66.0, 84.0)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


@dataclass
class _Spot:
    """A candidate place of a label: the text's anchor point, its box, ring and direction."""

    score: float
    tx: float
    ty: float
    ring: int
    box: tuple[float, float, float, float]
    ux: int
    anchor: str


def _place_labels(
    labels: list[_Label], markers: list[tuple[float, float, float]], W: float, H: float
) -> list[str]:
    """SVG text (and leader lines) for ``labels``, placed greedily without overlaps.

    In order of priority each label tries 8 directions on rings of growing distance from its
    marker; the first text box (estimated from the font size) inside the map that clears every
    placed label and marker wins, else the one overlapping least. A label beyond the first two
    rings gets a leader line. Offsets are in screen units of the initial view: the script keeps
    them (and the font size) constant on screen as the map zooms, so labels only move apart.
    """
    taken: list[tuple[float, ...]] = [(x - r, y - r, x + r, y + r) for x, y, r in markers]
    ascent, descent = 0.8 * _FONT, 0.25 * _FONT
    texts: list[str] = []
    leaders: list[str] = []
    for lab in sorted(labels, key=lambda item: -item.priority):
        width = len(lab.text) * _FONT * (0.64 if lab.cls else 0.58)
        best: _Spot | None = None
        for k, ring in enumerate(_RINGS):
            for ux, uy in _DIRS:
                d = lab.r + ring
                f = 0.75 if ux and uy else 1.0
                tx = lab.x + ux * d * f
                anchor = "start" if ux > 0 else "end" if ux < 0 else "middle"
                if uy < 0:
                    ty = lab.y - d * f - descent
                elif uy > 0:
                    ty = lab.y + d * f + ascent
                else:
                    ty = lab.y + (ascent - descent) / 2
                x0 = tx if ux > 0 else tx - width if ux < 0 else tx - width / 2
                box = (x0 - 2, ty - ascent - 1.5, x0 + width + 2, ty + descent + 1.5)
                clash = sum(_overlap(box, t) for t in taken)
                outside = box[0] < 0 or box[1] < 0 or box[2] > W or box[3] > H
                score = clash + (1e6 if outside else 0.0) + k * 1e-3
                if best is None or score < best.score:
                    best = _Spot(score, tx, ty, k, box, ux, anchor)
                if clash == 0 and not outside:
                    break
            if best is not None and best.score < 1:
                break
        assert best is not None
        taken.append(best.box)
        cls = f" {lab.cls}" if lab.cls else ""
        dx, dy = round(best.tx - lab.x, 1), round(best.ty - lab.y, 1)
        texts.append(
            f'<text class="lb{cls}" data-x="{lab.x}" data-y="{lab.y}" data-dx="{dx}" '
            f'data-dy="{dy}" text-anchor="{best.anchor}" x="{round(best.tx, 1)}" '
            f'y="{round(best.ty, 1)}">{html.escape(lab.text)}</text>'
        )
        if best.ring >= 2:  # displaced: a line from the marker to the text
            _, by0, _, by1 = best.box
            lx = best.tx - 2 if best.ux > 0 else best.tx + 2 if best.ux < 0 else best.tx
            if best.ux:
                ly = min(max(lab.y, by0 + 1.5), by1 - 1.5)
            else:
                ly = by1 if best.ty < lab.y else by0
            ldx, ldy = round(lx - lab.x, 1), round(ly - lab.y, 1)
            leaders.append(
                f'<line class="ld{cls}" data-x="{lab.x}" data-y="{lab.y}" data-dx="{ldx}" '
                f'data-dy="{ldy}" x1="{lab.x}" y1="{lab.y}" x2="{round(lab.x + ldx, 1)}" '
                f'y2="{round(lab.y + ldy, 1)}"/>'
            )
    return leaders + texts
