"""Detectors on the Streamlit side: each model loaded once per process and shared by every
session (`st.cache_resource`), run by one session at a time, its raw output cached per photo and
settings (`st.cache_data`), weights fetched with a progress bar, and failures turned into messages.

Nothing here imports torch until a CNN is asked for.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import streamlit as st

from lab.detection import CUSTOM, Detector, DetectorSpec, available_detectors, load_detector
from lab.detections import Detections

RETRY_DOWNLOAD_AFTER = 300.0
"""A failed download is not tried again on every rerun, only after this many seconds or when the
reader asks (a network that drops packets would otherwise hang each rerun for the timeout)."""


@dataclass
class Loaded:
    """A detector in memory, with what it cost to load and a lock: one run at a time per model
    (one model's weights serve every session; runs in parallel would only share its cores)."""

    detector: Detector
    load_ms: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    runs: int = 0
    waiting: int = 0  # sessions queued on the lock now (shown on the page under load)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class RawRun:
    """One detector's raw output on one photo with one set of settings.

    Attributes:
        detections: before the score threshold and NMS; masks packed apart (see `unpacked`).
        packed_masks: np.packbits of the masks [N, H, W] (a Mask R-CNN result would otherwise
            hold N full-size bool pictures in the cache), or None.
        mask_shape: (N, H, W) of the masks.
        preprocess_ms, inference_ms, postprocess_ms: the detector's own timing.
        warm_up: the model's first run in this process (slower: memory allocation, kernels).
        finished: when it ran (time.time()), to tell a cached result from a fresh one.
    """

    detections: Detections
    packed_masks: np.ndarray | None
    mask_shape: tuple[int, int, int] | None
    preprocess_ms: float
    inference_ms: float
    postprocess_ms: float
    warm_up: bool
    finished: float

    def unpacked(self) -> Detections:
        """The raw detections with their masks, if any."""
        if self.packed_masks is None or self.mask_shape is None:
            return self.detections
        count = int(np.prod(self.mask_shape))
        masks = np.unpackbits(self.packed_masks, count=count).reshape(self.mask_shape)
        return replace(self.detections, masks=masks.astype(bool))


@st.cache_resource(show_spinner=False)
def _specs() -> dict[str, DetectorSpec]:
    return {spec.name: spec for spec in available_detectors()}


def specs() -> dict[str, DetectorSpec]:
    """Every detector by name; weights that appeared since (a download) are looked up again."""
    known = _specs()
    if any(spec.needs_weights and not spec.weights_available for spec in known.values()):
        refreshed = {spec.name: spec for spec in available_detectors()}
        if any(
            refreshed[name].weights_available != known[name].weights_available for name in known
        ):
            _specs.clear()
            return _specs()
    return known


@st.cache_resource(show_spinner=False)
def _failed_downloads() -> dict[str, tuple[float, str]]:
    return {}


@st.cache_resource(show_spinner=False)
def _failed_checkpoints() -> dict[tuple, str]:
    """Checkpoints that did not load, by (digest, architecture, classes): a 170 MB file that
    does not fit is not read again on every rerun."""
    return {}


def _bound_threads() -> None:
    """At most four torch threads per process, so one photo does not take every core of a
    shared server (here: both cores)."""
    import torch

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))


@st.cache_resource(max_entries=6, show_spinner=False)
def _load(
    name: str,
    device: str,
    digest: str = "",
    num_classes: int | None = None,
    class_names: tuple[str, ...] = (),
    _checkpoint: bytes | None = None,
) -> Loaded:
    start = time.perf_counter()
    spec = specs()[name]
    if spec.needs_weights:
        _bound_threads()
    detector = load_detector(
        name,
        device,
        num_classes=num_classes,
        class_names=list(class_names),
        checkpoint=_checkpoint,
    )
    return Loaded(detector, (time.perf_counter() - start) * 1e3)


def checkpoint_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def load(
    name: str,
    device: str,
    checkpoint: bytes | None = None,
    architecture: str = "",
    num_classes: int | None = None,
    class_names: tuple[str, ...] = (),
) -> tuple[Loaded | None, str]:
    """The detector, loaded once per process, or (None, a message saying why it cannot run).

    A COCO model whose weights are missing is downloaded first, with a progress bar; with no
    network, the message names the file, its URL and the folder to put it in.
    """
    from lab import zoo  # torch: only for detectors that need it (the classics do not)

    is_own = name == CUSTOM
    spec = specs().get(architecture if is_own else name)
    if spec is None:
        return None, f"{name} is not a detector this lab knows."
    missing = not is_own and spec.needs_weights and not spec.weights_available
    if missing and not _fetch(name):
        return None, _failed_downloads()[name][1]
    label = f"{architecture} from your checkpoint" if is_own else name
    digest = checkpoint_digest(checkpoint) if is_own and checkpoint else ""
    failure_key = (digest, architecture, num_classes, tuple(class_names))
    if is_own and failure_key in _failed_checkpoints():
        return None, _failed_checkpoints()[failure_key]
    try:
        with st.spinner(f"Loading {label} (once; every later photo reuses it)..."):
            return _load(
                architecture if is_own else name,
                device,
                digest,
                num_classes if is_own else None,
                tuple(class_names) if is_own else (),
                _checkpoint=checkpoint if is_own else None,
            ), ""
    except zoo.CheckpointError as error:
        message = f"Your checkpoint cannot be used: {error}"
        failures = _failed_checkpoints()
        if len(failures) > 32:
            failures.clear()
        failures[failure_key] = message
        return None, message
    except zoo.WeightsMissing as error:
        return None, str(error)
    except (RuntimeError, OSError, ValueError) as error:  # a broken file, out of memory
        first = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
        return None, f"{label} could not be loaded: {first}"


def _fetch(name: str) -> bool:
    """Download a COCO model's weights with a progress bar; False (and a remembered message)
    when it cannot be done."""
    from lab import zoo

    failed = _failed_downloads()
    if name in failed and time.time() - failed[name][0] < RETRY_DOWNLOAD_AFTER:
        return False
    model = zoo.BY_NAME[name]
    size = model.meta()["file (MB)"]
    bar = st.progress(0.0, text=f"Downloading {name}'s COCO weights ({size:.0f} MB)...")
    try:
        zoo.download_weights(model, lambda done: bar.progress(done, text=f"{name}: {done:.0%}"))
    except zoo.WeightsMissing as error:
        failed[name] = (time.time(), str(error))
        return False
    finally:
        bar.empty()
    failed.pop(name, None)
    return True


def retry_downloads() -> None:
    """Forget failed downloads, so the next run tries again (a button's callback)."""
    _failed_downloads().clear()


_COUNTING = threading.Lock()


@st.cache_data(max_entries=48, show_spinner=False)
def _raw(
    name: str,
    device: str,
    digest: str,
    half: bool,
    channels_last: bool,
    settings: tuple,
    image_key: str,
    _loaded: Loaded,
    _image: np.ndarray,
    _settings: Any,
) -> RawRun:
    loaded = _loaded
    detector = replace(loaded.detector, settings=_settings, half=half, channels_last=channels_last)
    with _COUNTING:
        loaded.waiting += 1
    try:
        loaded.lock.acquire()
    finally:
        with _COUNTING:
            loaded.waiting -= 1
    try:
        warm_up = loaded.runs == 0
        found, timing = detector.raw(_image)
        loaded.runs += 1
    finally:
        loaded.lock.release()
    packed, shape = None, None
    if found.masks is not None:
        shape = tuple(int(v) for v in found.masks.shape)
        packed = np.packbits(found.masks.reshape(-1))
        found = replace(found, masks=None)
    return RawRun(
        found,
        packed,
        shape,
        timing.preprocess,
        timing.inference,
        timing.postprocess,
        warm_up,
        time.time(),
    )


def busy_message(loaded: Loaded, name: str, device: str) -> str:
    """The spinner's text: running, or queued behind other sessions' photos (one model serves
    the whole server and runs one photo at a time)."""
    if loaded.lock.locked():
        ahead = loaded.waiting + 1
        return (
            f"Waiting for the model: {name} is busy with {ahead} other "
            f"{'photo' if ahead == 1 else 'photos'} on this server; yours is next in line..."
        )
    return f"Running {name} on the {device.upper()}..."


def image_key(image: np.ndarray) -> str:
    """A short digest of the photo (its shape and pixels), the cache key of its results."""
    digest = hashlib.blake2b(np.ascontiguousarray(image).data, digest_size=12)
    digest.update(repr(image.shape).encode())
    return digest.hexdigest()


def run_raw(
    loaded: Loaded,
    image: np.ndarray,
    settings: Any = None,
    half: bool = False,
    channels_last: bool = False,
    key: str | None = None,
) -> RawRun:
    """The detector's raw output on the photo, computed once per photo and settings."""
    detector = loaded.detector
    described = () if settings is None else (type(settings).__name__, repr(settings))
    return _raw(
        detector.spec.name,
        detector.device,
        loaded.token,  # a reloaded model (another checkpoint) is another model
        half,
        channels_last,
        described,
        key or image_key(image),
        _loaded=loaded,
        _image=image,
        _settings=settings,
    )


def devices() -> list[str]:
    """The devices torch can use here: "cpu", and "cuda" / "mps" where present."""
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def device_for(choice: str) -> str:
    """The device a choice means here ("auto": CUDA, then MPS, then the CPU)."""
    from lab import zoo

    try:
        return zoo.pick_device(choice)
    except ValueError:
        return "cpu"


def device_label(device: str) -> str:
    from lab import zoo

    name = zoo.device_name(device)
    return name if device == "cpu" else f"{name} ({device})"


def own_spec(class_names: tuple[str, ...] = ()) -> DetectorSpec:
    """What the page knows of your own checkpoint before it is loaded."""
    return DetectorSpec(
        CUSTOM,
        "your fine-tuned torchvision detector",
        True,
        True,
        0.5,
        0.5,
        100,
        list(class_names),
    )
