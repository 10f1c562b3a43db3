"""Text sizes for figures: normal, and large enough to read from the back of a lecture room."""

from __future__ import annotations

import math
from collections.abc import Sequence
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
        width: about how wide (px) figures are drawn (the main column at 1280 px, with the
            sidebar open; without it in projector mode): grids are laid out for it, and Plotly
            keeps their cells square at any other width.
    """

    cell: int = 13
    tick: int = 11
    formula: int = 14
    label: int = 13
    scale: float = 1.0
    width: int = 820

    def cell_for(self, width_px: float, characters: int) -> int:
        """The cell font size, shrunk so that `characters` fit in a cell `width_px` wide; 0 when
        even 8 px does not fit (then no number is written: a cell of dots teaches nothing)."""
        fitting = int(width_px / max(1, characters) / 0.62)  # a digit is ~0.62 em wide
        size = min(self.cell, fitting)
        return size if size >= 8 else 0


NORMAL = TextSizes()
PROJECTOR = TextSizes(cell=18, tick=14, formula=20, label=17, scale=1.2, width=1200)
"""Projector mode: grid numbers >= 18 px, ticks >= 14 px, formulas >= 20 px."""


# Margins. Plotly grows a margin its tick labels, titles or legend do not fit by drawing the whole
# figure a second time, on every rerun (a one-off Chromium profile of the descent page: most of
# Plotly's time per learning-rate step). Figures give these instead; labels longer than they
# allow for still get their room, by that second drawing. tests/browser/test_figures_browser.py
# checks each figure is drawn with the margins it gives.


def left_margin(sizes: TextSizes, tick_chars: int) -> int:
    """Room left of the plot for y tick labels of about `tick_chars` characters and the axis title."""
    return round(tick_chars * sizes.tick + sizes.label + 22)


def bottom_margin(sizes: TextSizes) -> int:
    """Room under (or, for an axis on top, over) the plot for x tick labels (powers of ten: two
    lines' height) and the axis title."""
    return round(3 * sizes.tick + 2 * sizes.label + 10)


def top_margin(sizes: TextSizes) -> int:
    """Room above the plot for a one-row legend."""
    return max(40, round(2 * sizes.label + 12))


def axis_px(sizes: TextSizes) -> int:
    """Pixels an x axis's tick labels and title take under the plot (where a slider starts)."""
    return 2 * sizes.tick + sizes.label + 12


def legend_rows(labels: Sequence[str], font_px: float, plot_px: float) -> int:
    """Rows a horizontal legend of entries `labels` takes over a plot `plot_px` wide, laid out as
    Plotly lays it out: all in one row if they fit side by side, else on a grid as wide as the
    widest entry (40 px of symbol and gaps before each text, 5 px between entries). Text is
    taken as 0.6 em a character, a little more than the app's font needs, so that the margin
    errs on the roomy side (one too small makes Plotly draw the figure twice)."""
    if not labels:
        return 0
    entries = [40 + 0.6 * font_px * len(label) for label in labels]
    if sum(entries) + 5 * (len(entries) - 1) < plot_px:
        return 1
    widest = max(entries)
    per_row = 1  # the k-th entry of a row (from 0) starts at k * (widest + 5) and must end inside
    while per_row * (widest + 5) + widest < plot_px:
        per_row += 1
    return math.ceil(len(entries) / per_row)


def legend_px(sizes: TextSizes, rows: int = 1) -> int:
    """Pixels a horizontal legend of `rows` rows takes."""
    return round(rows * sizes.tick * 1.9) + 8
