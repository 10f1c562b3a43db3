"""A Streamlit client without a browser: Streamlit's own protocol (`BackMsg` / `ForwardMsg`
protobufs over the `/_stcore/stream` websocket), enough to drive dozens of sessions at once from
one process. Used by bench/load.py and the class deployment's test.

A session opens a page, finds its widgets by their keys in the elements the script sends, and
changes one: the new value goes out in a `rerun_script` with every widget state the session has
set so far (as the browser does) and, for a widget a fragment drew (a page's body, see
ui.common.page_body), that fragment's id, so that only the fragment reruns, as in a browser; the
interaction lasts until `script_finished`; the images
the page names under /media are then fetched, as a browser would. Uploads take the browser's
path too: `file_urls_request`, an HTTP PUT with the XSRF cookie and header, then the uploader's
widget state.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import random
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileUploaderState, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "ok",
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "compile error",
    ForwardMsg.FINISHED_EARLY_FOR_RERUN: "interrupted",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "ok",
}
WIDGETS = {
    "slider",
    "selectbox",
    "number_input",
    "checkbox",
    "radio",
    "button",
    "file_uploader",
    "button_group",
}


class ClientError(RuntimeError):
    """The server did something a browser would show as broken."""


@dataclass
class Run:
    """One script run as the client saw it."""

    seconds: float  # control change to script_finished
    media_seconds: float  # ... plus fetching the images it names
    received_bytes: int  # websocket messages and media
    elements: int
    exceptions: list[str]  # st.exception elements: tracebacks a student would see
    errors: list[str]  # st.error messages (expected ones included: bad input)
    texts: list[str]  # markdown, captions, metric values: what the page says
    status: str


@dataclass
class Widget:
    id: str
    kind: str
    proto: Any
    fragment: str = ""  # the fragment that drew it ("" outside any): a change reruns only that


@dataclass
class Session:
    """One student's tab."""

    fragments: ClassVar[bool] = True
    """Rerun only the fragment that drew a changed widget, as a browser does; False: the whole
    page every time (`bench/load.py --full-reruns`, to compare)."""

    base: str  # "http://127.0.0.1:8501"
    timeout: float = 120.0
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page_script_hash
    widgets: dict[str, Widget] = field(default_factory=dict)  # user key -> last seen
    states: dict[str, WidgetState] = field(default_factory=dict)  # id -> state we sent
    session_id: str = ""
    replica: str = ""  # the X-Lab-Replica that served the page (behind deploy/'s nginx)
    page: str = ""
    page_hash: str = ""
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    _socket: Any = None
    _urls: dict[str, Any] = field(default_factory=dict)

    # -- connection -------------------------------------------------------------------------
    async def open(self, page: str = "") -> Run:
        """Load the app as a browser does (the HTML, which sets the proxy's and the XSRF
        cookies), open the websocket and run `page` ("" is the home page)."""
        await asyncio.to_thread(self._http, "GET", "/")
        self.replica = await asyncio.to_thread(self._replica)
        ws_url = self.base.replace("http", "ws", 1) + "/_stcore/stream"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.cookies)
        self._socket = await connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": cookie} if cookie else None,
            origin=self.base,
            max_size=None,
            open_timeout=self.timeout,
        )
        return await self.goto(page)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
            self._socket = None

    # -- interactions -----------------------------------------------------------------------
    async def goto(self, page: str) -> Run:
        """Switch to a page by its URL path ("kernel_lab"), as a click in the sidebar does."""
        self.page = page
        self.page_hash = self.pages.get(page, "")
        self.widgets.clear()
        self.states.clear()
        return await self.rerun()

    async def set(self, key: str, value: Any) -> Run:
        """Give the widget with this key a new value and rerun (a slider dragged, an option
        picked, a button pressed with value True)."""
        widget = self.widget(key)
        state = WidgetState(id=widget.id)
        kind = widget.kind
        if kind == "slider":
            values = value if isinstance(value, list | tuple) else [value]
            state.double_array_value.data.extend(float(v) for v in values)
        elif kind == "number_input":
            state.double_value = float(value)
        elif kind in ("selectbox", "radio"):
            state.string_value = str(value)
        elif kind == "checkbox":
            state.bool_value = bool(value)
        elif kind == "button":
            state.trigger_value = True
        elif kind in ("select_slider", "button_group"):
            values = value if isinstance(value, list | tuple) else [value]
            state.string_array_value.data.extend(str(v) for v in values)
        else:
            raise ClientError(f"cannot set a {kind}")
        self.states[widget.id] = state
        try:
            return await self.rerun(widget.fragment)
        finally:
            if kind == "button":  # a trigger fires once
                self.states.pop(widget.id, None)

    async def upload(self, key: str, name: str, data: bytes, mime: str = "image/jpeg") -> Run:
        """Upload a file into the file_uploader with this key and rerun."""
        widget = self.widget(key)
        request_id = uuid.uuid4().hex
        message = BackMsg()
        message.file_urls_request.request_id = request_id
        message.file_urls_request.session_id = self.session_id
        message.file_urls_request.file_names.append(name)
        await self._socket.send(message.SerializeToString())
        deadline = time.monotonic() + self.timeout
        while request_id not in self._urls:
            await self._receive(deadline)
        urls = self._urls.pop(request_id)
        if urls.error_msg:
            raise ClientError(f"upload refused: {urls.error_msg}")
        target = urls.file_urls[0]
        await asyncio.to_thread(self._put, target.upload_url, name, data, mime)
        info = UploadedFileInfo(name=name, size=len(data), file_id=target.file_id)
        info.file_urls.CopyFrom(target)
        state = WidgetState(id=widget.id)
        state.file_uploader_state_value.CopyFrom(FileUploaderState(uploaded_file_info=[info]))
        self.states[widget.id] = state
        return await self.rerun(widget.fragment)

    def widget(self, key: str) -> Widget:
        if key not in self.widgets:
            raise ClientError(f"no widget with key {key!r} on page {self.page!r}")
        return self.widgets[key]

    def options(self, key: str) -> list[str]:
        """The options a selectbox, radio or select-slider offers, as the page formats them."""
        proto = self.widget(key).proto
        return list(getattr(proto, "options", []))

    async def rerun(self, fragment: str = "") -> Run:
        """Rerun the page, or only the fragment with this id (what a browser asks for when a
        widget inside a fragment changes)."""
        message = BackMsg()
        client = message.rerun_script
        client.query_string = ""
        client.page_script_hash = self.page_hash
        client.page_name = self.page
        client.widget_states.widgets.extend(self.states.values())
        if fragment and self.fragments:
            client.fragment_id = fragment
        start = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        received, elements, exceptions, errors, texts, media = 0, 0, [], [], [], []
        deadline = time.monotonic() + self.timeout
        while True:
            forward, size = await self._receive(deadline)
            received += size
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                elements += 1
                self._element(
                    forward.delta.new_element,
                    exceptions,
                    errors,
                    texts,
                    media,
                    forward.delta.fragment_id,
                )
            elif kind == "script_finished":
                status = FINISHED.get(forward.script_finished, "unknown")
                if status != "interrupted":
                    break
        seconds = time.perf_counter() - start
        sizes = await asyncio.gather(*(asyncio.to_thread(self._media, url) for url in media))
        received += sum(sizes)
        return Run(
            seconds,
            time.perf_counter() - start,
            received,
            elements,
            exceptions,
            errors,
            texts,
            status,
        )

    # -- protocol -------------------------------------------------------------------------
    async def _receive(self, deadline: float) -> tuple[ForwardMsg, int]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise ClientError(f"no script_finished within {self.timeout:.0f} s")
        try:
            data = await asyncio.wait_for(self._socket.recv(), timeout=left)
        except TimeoutError:
            raise ClientError(f"no script_finished within {self.timeout:.0f} s") from None
        forward = ForwardMsg()
        forward.ParseFromString(data)
        kind = forward.WhichOneof("type")
        if kind == "new_session":
            self.session_id = forward.new_session.initialize.session_id
        elif kind == "navigation":
            for page in forward.navigation.app_pages:
                self.pages[page.url_pathname] = page.page_script_hash
            if not self.page_hash:
                self.page_hash = forward.navigation.page_script_hash
        elif kind == "file_urls_response":
            self._urls[forward.file_urls_response.response_id] = forward.file_urls_response
        return forward, len(data)

    def _element(self, element, exceptions, errors, texts, media, fragment: str = "") -> None:
        kind = element.WhichOneof("type")
        if kind in WIDGETS:
            proto = getattr(element, kind)
            key = proto.id.rsplit("-", 1)[-1] if "-" in proto.id else proto.id
            if kind == "slider" and proto.type == proto.SELECT_SLIDER:
                kind = "select_slider"
            self.widgets[key] = Widget(proto.id, kind, proto, fragment)
        elif kind == "exception":
            exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert":
            if element.alert.format == element.alert.ERROR:
                errors.append(element.alert.body)
            texts.append(element.alert.body)
        elif kind == "spinner":
            texts.append(element.spinner.text)
        elif kind == "markdown":
            texts.append(element.markdown.body)
        elif kind == "metric":
            texts.append(f"{element.metric.label}: {element.metric.body}")
        elif kind == "imgs":
            media.extend(image.url for image in element.imgs.imgs if image.url.startswith("/"))

    # -- HTTP -----------------------------------------------------------------------------
    def _opener(self):
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def _http(self, method: str, path: str) -> bytes:
        request = urllib.request.Request(self.base + path, method=method)
        with self._opener().open(request, timeout=self.timeout) as response:
            return response.read()

    def _replica(self) -> str:
        request = urllib.request.Request(self.base + "/_stcore/health")
        with self._opener().open(request, timeout=self.timeout) as response:
            response.read()
            return response.headers.get("X-Lab-Replica", "")

    def _media(self, url: str) -> int:
        return len(self._http("GET", url))

    def _put(self, url: str, name: str, data: bytes, mime: str) -> None:
        boundary = uuid.uuid4().hex
        safe = urllib.parse.quote(name)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe}"\r\n'
                f"Content-Type: {mime}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        xsrf = next((c.value for c in self.cookies if c.name == "_streamlit_xsrf"), "")
        request = urllib.request.Request(
            self.base + url if url.startswith("/") else url,
            data=body,
            method="PUT",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": xsrf,
            },
        )
        with self._opener().open(request, timeout=self.timeout) as response:
            if response.status not in (200, 204):
                raise ClientError(f"upload answered {response.status}")


def pick(session: Session, key: str, rng: random.Random) -> Any:
    """Another value for the widget with this key: another option, or a point on the slider's
    or number box's range."""
    widget = session.widget(key)
    proto, kind = widget.proto, widget.kind
    if kind in ("selectbox", "radio"):
        return rng.choice(list(proto.options))
    if kind == "select_slider":
        return rng.choice(list(proto.options))
    if kind == "slider":
        steps = max(1, round((proto.max - proto.min) / (proto.step or 1)))
        return [proto.min + rng.randint(0, steps) * (proto.step or 1)]
    if kind == "number_input":
        low = proto.min if proto.has_min else 0
        high = proto.max if proto.has_max else low + 10
        high = min(high, low + 10 * (proto.step or 1))
        steps = max(1, round((high - low) / (proto.step or 1)))
        return low + rng.randint(0, steps) * (proto.step or 1)
    if kind == "checkbox":
        return rng.random() < 0.5
    return True
