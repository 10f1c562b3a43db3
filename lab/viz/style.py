"""Text sizes for figures: normal, and large enough to read from the back of a lecture room."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextSizes:
    """Font sizes in CSS pixels, and a factor for figure heights.

    Attributes:
        cell: numbers written in grid cells.
        tick: axis tick labels.
        formula: the formula or status line of an animation frame.
        label: panel titles, legends, annotations, the slider's current value.
        scale: figure heights are multiplied by this.
        width: about how wide (px) figures are drawn: grids are laid out for it, and Plotly keeps
            their cells square at any other width.
    """

    cell: int = 13
    tick: int = 11
    formula: int = 14
    label: int = 13
    scale: float = 1.0
    width: int = 880

    def cell_for(self, width_px: float, characters: int) -> int:
        """The cell font size, shrunk so that `characters` fit in a cell `width_px` wide; 0 when
        even 8 px does not fit (then no number is written: a cell of dots teaches nothing)."""
        fitting = int(width_px / max(1, characters) / 0.62)  # a digit is ~0.62 em wide
        size = min(self.cell, fitting)
        return size if size >= 8 else 0


NORMAL = TextSizes()
PROJECTOR = TextSizes(cell=18, tick=14, formula=20, label=17, scale=1.2, width=1200)
"""Projector mode: grid numbers >= 18 px, ticks >= 14 px, formulas >= 20 px."""
