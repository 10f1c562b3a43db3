"""The class deployment: several Streamlit replicas of the lab behind nginx with sticky sessions.

One Streamlit process runs scripts on about one core (the interpreter lock), so a class of
thirty on a multi-core server needs one replica per core; nginx (Debian's `nginx-light` is
enough) spreads the students over them and keeps each one on its replica (deploy/nginx.conf).

    make class                   # one replica per core, on http://localhost:8501
    make class REPLICAS=4 PORT=80
    python deploy/classroom.py --replicas 2 --port 8501

Stops cleanly on Ctrl-C (all replicas and nginx).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"


class DeployError(RuntimeError):
    """The deployment could not start; the message says what to do."""


def nginx_binary() -> str | None:
    """nginx on PATH or in /usr/sbin (Debian's place for it, often not on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render(replica_ports: list[int], listen: str, run_dir: Path) -> str:
    """deploy/nginx.conf with its fields filled: the replicas, the address to listen on, and
    a folder for nginx's pid file, log and buffers."""
    if not replica_ports:
        raise DeployError("a deployment needs at least one replica")
    servers = "\n".join(f"        server 127.0.0.1:{port};" for port in replica_ports)
    # As root, nginx's workers would drop to `nobody`, who cannot write to our private folder.
    user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    text = TEMPLATE.read_text()
    for field, value in (
        ("@SERVERS@", servers),
        ("@LISTEN@", listen),
        ("@RUN@", str(run_dir)),
        ("@USER@", user),
    ):
        text = text.replace(field, value)
    return text


def check_config(path: Path) -> str:
    """`nginx -t` on a filled configuration; returns its report, raises DeployError if bad."""
    nginx = nginx_binary()
    if nginx is None:
        raise DeployError("nginx is not installed (Debian: apt-get install nginx-light)")
    result = subprocess.run(
        [nginx, "-t", "-c", str(path), "-p", str(path.parent)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if result.returncode != 0:
        raise DeployError(f"nginx refused the configuration:\n{result.stderr}")
    return result.stderr


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace") if log.is_file() else ""
            raise DeployError(f"{url} stopped while starting:\n{output[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise DeployError(f"{url} did not answer its health check within {seconds:.0f} s")


def streamlit_command(
    port: int, address: str = "127.0.0.1", script: Path = ROOT / "app.py"
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def server_environment() -> dict[str, str]:
    """The replicas' environment: glibc's malloc limited to two arenas. Each Streamlit session
    runs its scripts in threads of its own, and glibc gives threads arenas of their own (up to
    8 per core) that keep freed memory: without the limit, memory measured after a class's
    sessions closed stayed at its peak (bench/load.py)."""
    return {**os.environ, "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}


class Deployment:
    """`replicas` Streamlit processes and, when there are several, nginx in front.

    With one replica there is no proxy: `url` is the replica itself (the reference the load
    benchmark compares against). Use as a context manager; `processes` are the Streamlit ones,
    whose memory the load benchmark reads.
    """

    def __init__(self, replicas: int, port: int | None = None, host: str = "127.0.0.1") -> None:
        if replicas < 1:
            raise DeployError("replicas must be at least 1")
        self.replicas = replicas
        self.port = port or free_port()
        self.host = host
        self.processes: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None
        self.run_dir: Path | None = None
        self.replica_ports: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Deployment:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self) -> None:
        proxied = self.replicas > 1
        if proxied and nginx_binary() is None:
            raise DeployError(
                "several replicas need nginx in front (Debian: apt-get install nginx-light)"
            )
        self.replica_ports = [free_port() for _ in range(self.replicas)] if proxied else [self.port]
        # Logs go to files: a pipe nobody reads would block a replica once its buffer is full.
        self.run_dir = Path(tempfile.mkdtemp(prefix="cnn-lab-class-"))
        address = "127.0.0.1" if proxied else self.host
        logs = []
        for port in self.replica_ports:
            log = self.run_dir / f"replica-{port}.log"
            logs.append(log)
            with log.open("wb") as output:
                self.processes.append(
                    subprocess.Popen(
                        streamlit_command(port, address),
                        cwd=ROOT,
                        env=server_environment(),
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for port, process, log in zip(self.replica_ports, self.processes, logs, strict=True):
            wait_healthy(f"http://127.0.0.1:{port}", process, log)
        if not proxied:
            return
        config = self.run_dir / "nginx.conf"
        config.write_text(render(self.replica_ports, f"{self.host}:{self.port}", self.run_dir))
        check_config(config)
        log = self.run_dir / "error.log"
        self.nginx = subprocess.Popen(
            [nginx_binary(), "-c", str(config), "-p", str(self.run_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_healthy(self.url, self.nginx, log, 30)

    def stop(self) -> None:
        for process in [self.nginx, *self.processes]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [self.nginx, *self.processes]:
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
        self.nginx = None
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--host", default="0.0.0.0", help="address nginx listens on")
    args = parser.parse_args(argv)
    try:
        with Deployment(args.replicas, args.port, args.host) as deployment:
            where = "nginx" if deployment.nginx else "one replica, no proxy"
            print(
                f"CNN Visual Lab for a class: {args.replicas} replica(s) on ports "
                f"{deployment.replica_ports}, {where}, at http://localhost:{args.port} "
                "(Ctrl-C stops everything)",
                flush=True,
            )
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            while not stop.wait(1.0):
                for port, process in zip(
                    deployment.replica_ports, deployment.processes, strict=True
                ):
                    if process.poll() is not None:
                        log = deployment.run_dir / f"replica-{port}.log"
                        tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
                        raise DeployError(f"the replica on port {port} stopped:\n{tail}")
            print("stopping the replicas and nginx...", flush=True)
    except DeployError as error:
        raise SystemExit(f"class deployment: {error}") from None


if __name__ == "__main__":
    main()
