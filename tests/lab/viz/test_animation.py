"""lab.viz.animation: the one builder behind every animated figure."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from lab.viz.animation import Frame, PrebuiltFigure, animated_figure, merge
from lab.viz.style import PROJECTOR


def small_figure(start: int = 1) -> dict:
    data = [
        {"type": "scatter", "x": [0], "y": [0], "marker": {"size": 5, "color": "red"}},
        {"type": "heatmap", "z": [[0]]},
    ]
    frames = [
        Frame(
            str(i + 1),
            f"step {i + 1}<br>= {i * 10}",
            [{"x": [i], "marker": {"size": 9}}, {"z": [[i]]}],
            [0, 1],
        )
        for i in range(3)
    ]
    return animated_figure(data, {"height": 300}, frames, start, frame_ms=250)


def test_the_base_figure_shows_the_start_frame_merged_as_plotly_merges() -> None:
    figure = small_figure(start=2)
    go.Figure(figure)  # full schema validation
    scatter = figure["data"][0]
    assert scatter["x"] == [2] and scatter["y"] == [0]  # replaced, untouched
    assert scatter["marker"] == {"size": 9, "color": "red"}  # nested dicts merged
    assert figure["data"][1]["z"] == [[2]]
    assert figure["layout"]["annotations"][0]["text"] == "step 3<br>= 20"
    assert figure["layout"]["sliders"][0]["active"] == 2


def test_every_frame_carries_its_title_and_its_trace_types() -> None:
    figure = small_figure()
    assert [f["name"] for f in figure["frames"]] == ["0", "1", "2"]
    for index, frame in enumerate(figure["frames"]):
        assert frame["layout"]["annotations"] == [{"text": f"step {index + 1}<br>= {index * 10}"}]
        assert [update["type"] for update in frame["data"]] == ["scatter", "heatmap"]
    steps = figure["layout"]["sliders"][0]["steps"]
    assert [s["label"] for s in steps] == ["1", "2", "3"]
    assert [s["args"][0] for s in steps] == [["0"], ["1"], ["2"]]
    assert figure["layout"]["meta"]["player"] == {"frame_ms": 250, "redraw": True}


@pytest.mark.parametrize("start, shown", [(-5, 0), (0, 0), (99, 2)])
def test_the_start_is_clipped_to_the_frames(start, shown) -> None:
    assert small_figure(start)["layout"]["sliders"][0]["active"] == shown


def test_shapes_must_come_in_equal_numbers_and_frames_must_exist() -> None:
    rect = {"type": "rect", "x0": 0, "x1": 1, "y0": 0, "y1": 1}
    with pytest.raises(ValueError, match="same number"):
        animated_figure([], {}, [Frame("1", "", shapes=[rect]), Frame("2", "", shapes=[])])
    with pytest.raises(ValueError, match="at least one frame"):
        animated_figure([], {}, [])


def test_projector_sizes_reach_the_title_and_the_slider() -> None:
    figure = animated_figure([], {}, [Frame("1", "x")], sizes=PROJECTOR)
    assert figure["layout"]["annotations"][0]["font"]["size"] >= 20
    assert figure["layout"]["sliders"][0]["currentvalue"]["font"]["size"] >= 14


def test_merge_replaces_lists_and_merges_dicts() -> None:
    target = {"a": [1, 2], "b": {"c": 1, "d": 2}}
    assert merge(target, {"a": [3], "b": {"c": 5}}) == {"a": [3], "b": {"c": 5, "d": 2}}


def test_prebuilt_figure_hands_over_its_dict_unchanged() -> None:
    figure = small_figure()
    assert PrebuiltFigure(figure).to_dict() is figure


def test_st_plotly_chart_sends_a_prebuilt_figure_exactly_as_built() -> None:
    """PrebuiltFigure skips go.Figure's own set-up: st.plotly_chart must still take it as a
    figure and send its dict unchanged (frames included), with no template added."""
    import json

    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import streamlit as st

        from lab.viz.animation import PrebuiltFigure
        from tests.lab.viz.test_animation import small_figure

        st.plotly_chart(PrebuiltFigure(small_figure()), key="chart")

    app = AppTest.from_function(script).run()
    assert not app.exception, [e.value for e in app.exception]
    (chart,) = app.get("plotly_chart")
    sent = json.loads(chart.proto.spec)
    expected = json.loads(json.dumps(small_figure()))
    assert sent == expected and "template" not in sent["layout"]
