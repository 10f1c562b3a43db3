"""lab/viz/style.py: the legend's rows as Plotly lays a horizontal legend out."""

from __future__ import annotations

from lab.viz.style import legend_rows


def entry(characters: int, font: float = 10) -> float:
    """The width legend_rows takes for an entry of that many characters."""
    return 40 + 0.6 * font * characters


def test_entries_that_fit_side_by_side_take_one_row() -> None:
    assert legend_rows([], 10, 100) == 0
    widths = [entry(10), entry(20)]  # 100 + 160 px, 5 px apart
    assert legend_rows(["a" * 10, "b" * 20], 10, sum(widths) + 5 + 1) == 1


def test_wrapped_entries_sit_on_a_grid_of_the_widest() -> None:
    # 100 + 160 + 4 x 100 px with gaps is 685 px: not one row. Wrapped, each entry takes the
    # widest's 160 px and the k-th of a row starts at k * 165 px; it must end inside the plot.
    labels = ["a" * 10, "b" * 20] + ["c" * 10] * 4
    assert legend_rows(labels, 10, 2 * 165 + 160 + 1) == 2  # three to a row
    assert legend_rows(labels, 10, 2 * 165 + 160) == 3  # the third would end on the edge
    assert legend_rows(labels, 10, 165 + 160 + 1) == 3
    assert legend_rows(labels, 10, 165 + 160) == 6
    assert legend_rows(labels, 10, 100) == 6  # one to a row, however narrow
