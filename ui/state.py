"""Page settings: declared once at the top of each page, kept for the whole session and mirrored in
the URL, so a lecturer can put a link to a prepared setup on a slide.

Every settings widget is keyed by its setting's name and created with the setting's default and
Streamlit's own `bind="query-params"` (the URL follows the widget, and a link sets it; a value equal
to the default is left out of the URL) and `persist_state="session"` (the value survives visiting
other pages). Callbacks change settings through `st.session_state`. A bad or stale parameter in a
link is dropped by Streamlit; `report_ignored` tells the reader which ones, quietly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import streamlit as st

BOUND = {"bind": "query-params", "persist_state": "session"}
APP_KEYS = {"app_projector"}
"""Settings of the whole app (not of one page), also in the URL."""
_CHECK = "_app_url_check"


class Settings:
    """A page's settings and their defaults, with widget helpers that create each widget keyed,
    defaulted, kept and mirrored in the URL.

    The helpers draw into the current container (`with st.sidebar:`, `with column:`).
    """

    def __init__(self, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)

    def __getitem__(self, key: str) -> Any:
        return self.defaults[key]

    def value(self, key: str) -> Any:
        """The setting's current value (its default before its widget first ran)."""
        return st.session_state.get(key, self.defaults[key])

    def reset(self, *keys: str) -> None:
        """Put settings back to their defaults (in a callback, or before their widgets)."""
        for key in keys or tuple(self.defaults):
            st.session_state[key] = self.defaults[key]

    def _choice(self, options: Sequence, key: str) -> int:
        """The default's index among `options`, after moving a kept value that is no longer an
        option (options can depend on other settings) back to the default, or the first."""
        options = list(options)
        fallback = self.defaults[key] if self.defaults[key] in options else options[0]
        if key in st.session_state and st.session_state[key] not in options:
            st.session_state[key] = fallback
        return options.index(fallback)

    def _within(self, low: Any, high: Any, key: str) -> Any:
        """The default clipped to [low, high], after clipping a kept value the same way (a range
        can depend on other settings: 32 rows in one mode, at most 16 in another)."""
        if key in st.session_state and st.session_state[key] is not None:
            st.session_state[key] = min(max(st.session_state[key], low), high)
        return min(max(self.defaults[key], low), high)

    def selectbox(self, label: str, options: Sequence, key: str, **kwargs: Any) -> Any:
        index = self._choice(options, key)
        return st.selectbox(label, options, index=index, key=key, **BOUND, **kwargs)

    def radio(self, label: str, options: Sequence, key: str, **kwargs: Any) -> Any:
        index = self._choice(options, key)
        return st.radio(label, options, index=index, key=key, **BOUND, **kwargs)

    def segmented_control(self, label: str, options: Sequence, key: str, **kwargs: Any) -> Any:
        default = list(options)[self._choice(options, key)]
        return st.segmented_control(
            label, options, default=default, key=key, required=True, **BOUND, **kwargs
        )

    def multiselect(self, label: str, options: Sequence, key: str, **kwargs: Any) -> list:
        """A multiselect whose kept values that are no longer options are dropped."""
        options = list(options)
        if key in st.session_state and st.session_state[key] is not None:
            st.session_state[key] = [v for v in st.session_state[key] if v in options]
        default = [v for v in self.defaults[key] if v in options]
        return st.multiselect(label, options, default=default, key=key, **BOUND, **kwargs)

    def select_slider(self, label: str, options: Sequence, key: str, **kwargs: Any) -> Any:
        value = list(options)[self._choice(options, key)]
        return st.select_slider(label, options, value=value, key=key, **BOUND, **kwargs)

    def slider(self, label: str, low: Any, high: Any, key: str, **kwargs: Any) -> Any:
        """A slider; when the range has shrunk to one value (a 1 x 1 photo), that value, said."""
        if high <= low:
            st.session_state[key] = low
            st.caption(f"{label}: {low} (the only value here)")
            return low
        value = self._within(low, high, key)
        return st.slider(label, low, high, value=value, key=key, **BOUND, **kwargs)

    def number_input(self, label: str, low: Any, high: Any, key: str, **kwargs: Any) -> Any:
        value = self._within(low, high, key)
        return st.number_input(label, low, high, value=value, key=key, **BOUND, **kwargs)

    def toggle(self, label: str, key: str, **kwargs: Any) -> bool:
        return st.toggle(label, value=self.defaults[key], key=key, **BOUND, **kwargs)

    def text_input(self, label: str, key: str, **kwargs: Any) -> str:
        return st.text_input(label, value=self.defaults[key], key=key, **BOUND, **kwargs)

    def text_area(self, label: str, key: str, **kwargs: Any) -> str:
        return st.text_area(label, value=self.defaults[key], key=key, **BOUND, **kwargs)

    def expect_link(self, note_slot: Any) -> None:
        """Remember the URL's parameters as this run received them, to compare with what the
        widgets made of them once they have run (`report_ignored`)."""
        st.session_state[_CHECK] = (
            {name: st.query_params.get_all(name) for name in st.query_params},
            set(self.defaults) | APP_KEYS,
            note_slot,
        )


def _matches(value: Any, text: str) -> bool:
    """Whether a widget's value is what the URL text asked for."""
    if isinstance(value, bool):
        return text.strip().lower() in (("true", "1") if value else ("false", "0"))
    if isinstance(value, int | float):
        try:
            return math.isclose(float(text), float(value), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return False
    return str(value) == text


def _plain(text: str) -> str:
    """Link text shown back to the reader: letters, digits and . + - _ only (no markdown), short."""
    return re.sub(r"[^\w.+\-]", "?", text)[:40]


def report_ignored() -> None:
    """After the page has run: a quiet note naming each link parameter that was not used, because
    its value was not allowed or it is not a setting of this page. Does nothing on runs without
    such parameters."""
    check = st.session_state.pop(_CHECK, None)
    if check is None:
        return
    incoming, known, slot = check
    ignored = []
    for name, texts in incoming.items():
        if name not in known:
            ignored.append(f"{_plain(name)} (not a setting of this page)")
        elif name not in st.session_state:
            continue
        elif isinstance(st.session_state[name], list):  # a multiselect: one parameter per value
            chosen = {str(v) for v in st.session_state[name]}
            ignored += [
                f"{_plain(name)}={_plain(t)} (not an allowed value)"
                for t in texts
                if t and t not in chosen
            ]
        elif texts and not _matches(st.session_state[name], str(texts[-1])):
            ignored.append(f"{_plain(name)}={_plain(str(texts[-1]))} (not an allowed value)")
    if ignored:
        slot.caption(
            ":material/link_off: Part of the link was not used: "
            + "; ".join(ignored)
            + ". The rest of the page is as the link asked."
        )
