"""Colour scales shared by every figure, so a sign reads the same on every page."""

DIVERGING_SCALE = [
    [0.0, "#2166ac"],
    [0.25, "#92c5de"],
    [0.5, "#f7f7f7"],
    [0.75, "#f4a582"],
    [1.0, "#b2182b"],
]
"""Negative blue, zero white, positive red (ColorBrewer RdBu; Plotly's own 'RdBu' has a grey middle)."""
