"""The class deployment (deploy/): nginx's configuration is valid, and two replicas behind it
serve the app while keeping each session on its own replica across reruns and uploads.

Skips, saying so, where nginx is not installed (.ci/run installs Debian's nginx-light)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import tempfile
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.stclient import Session
from deploy.classroom import DeployError, Deployment, check_config, nginx_binary, render

needs_nginx = pytest.mark.skipif(
    nginx_binary() is None, reason="nginx is not installed: the class deployment is untested"
)


def replica_of(url: str, cookie: str = "") -> tuple[str, str]:
    """(the replica that answered, the route cookie nginx set) for one GET."""
    request = urllib.request.Request(url + "/_stcore/health")
    if cookie:
        request.add_header("Cookie", f"lab_replica={cookie}")
    with urllib.request.urlopen(request, timeout=10) as response:
        routes = [
            value.split("lab_replica=", 1)[1].split(";", 1)[0]
            for value in response.headers.get_all("Set-Cookie") or []
            if value.startswith("lab_replica=")
        ]
        return response.headers["X-Lab-Replica"], (routes or [""])[0]


def test_the_filled_configuration_lists_every_replica_and_its_run_folder(tmp_path) -> None:
    text = render([9101, 9102, 9103], "0.0.0.0:8501", tmp_path)
    assert text.count("server 127.0.0.1:91") == 3 and "listen 0.0.0.0:8501;" in text
    assert "@" not in text  # no field left unfilled
    assert f"pid {tmp_path}/nginx.pid;" in text
    with pytest.raises(DeployError):
        render([], "8501", tmp_path)


@needs_nginx
def test_nginx_accepts_the_configuration(tmp_path) -> None:
    config = tmp_path / "nginx.conf"
    config.write_text(render([9101, 9102], "127.0.0.1:9100", tmp_path))
    assert "test is successful" in check_config(config)
    config.write_text(render([9101], "127.0.0.1:9100", tmp_path).replace("upstream lab", "upstrm"))
    with pytest.raises(DeployError, match="refused"):
        check_config(config)


@pytest.fixture(scope="module")
def class_of_two():
    if nginx_binary() is None:
        pytest.skip("nginx is not installed: the class deployment is untested")
    with Deployment(2) as deployment:
        yield deployment


def small_jpeg() -> bytes:
    rows, cols = np.mgrid[0:300, 0:400]
    pixels = np.stack([cols % 256, rows % 256, (cols + rows) % 256], axis=2).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@needs_nginx
def test_routes_are_sticky_and_spread_over_both_replicas(class_of_two) -> None:
    url = class_of_two.url
    first, route = replica_of(url)
    assert route, "nginx set no route cookie"
    assert all(replica_of(url, route)[0] == first for _ in range(10))
    replicas = {replica_of(url)[0] for _ in range(40)}  # new students: random routes
    assert replicas == {f"127.0.0.1:{port}" for port in class_of_two.replica_ports}


@needs_nginx
def test_two_sessions_behind_the_proxy_keep_their_state_and_upload(class_of_two) -> None:
    """Each student's widgets and upload live on one replica: an upload (an HTTP PUT beside
    the websocket) is refused by a replica that does not hold the session, so it succeeding,
    and the next reruns still showing the student's own photo and settings, prove the
    stickiness."""

    async def student(kernel: str, border: str) -> list[str]:
        session = Session(class_of_two.url, timeout=120)
        try:
            await session.open("kernel_lab")
            # The preset is in the page's body (a fragment), the border in the sidebar: the
            # client reruns the body alone for the one, as a browser does, the page for the other.
            assert session.widget("kern_preset").fragment
            assert not session.widget("kern_border").fragment
            body = await session.set("kern_preset", kernel)
            run = await session.upload("kern_upload", "../<b>photo</b>.jpg", small_jpeg())
            assert not run.exceptions and not run.errors, run.errors
            run = await session.set("kern_border", border)
            assert not run.exceptions
            assert body.elements < run.elements  # no title bar, sidebar or picker re-sent
            return run.texts
        finally:
            await session.close()

    async def both():
        return await asyncio.gather(student("gaussian", "zero"), student("laplacian", "replicate"))

    # In its own thread: Playwright's session-wide browser keeps an event loop running in this
    # one when the browser tests ran first.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        texts_a, texts_b = pool.submit(asyncio.run, both()).result(timeout=600)
    for texts, display in ((texts_a, "(clipped)"), (texts_b, "(signed)")):
        said = " ".join(texts)
        assert "your upload, 400 x 300 px" in said  # the upload still there after a rerun
        # ... and the student's own kernel: a blur is shown clipped, a Laplacian signed
        assert f"**Output** {display}" in said


def test_deployment_refuses_zero_replicas() -> None:
    with pytest.raises(DeployError):
        Deployment(0)


def test_run_folder_is_removed_after_stop() -> None:
    deployment = Deployment(1)
    deployment.run_dir = Path(tempfile.mkdtemp())
    deployment.stop()
    assert deployment.run_dir is None
