"""Start the real action server and Rasa server on free localhost ports."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "fanzha.tar.gz"
BIN = Path(sys.executable).parent
# Every test posts from 127.0.0.1 with new sender ids: lift the per-address limits
# (tests/test_channels.py checks them in-process).
UNLIMITED = {"RATE_LIMIT_PER_ADDRESS": "1000000", "NEW_CONVERSATIONS_PER_MINUTE": "1000000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lasting_port() -> int:
    """A free port below the kernel's ephemeral range.

    For a server that starts long after its port is chosen, or restarts on it: no outgoing
    connection is given a port from outside that range in the meantime.
    """
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    while True:
        port = random.randrange(10_000, low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    """Poll `url` until it answers; fail with the log tail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server at {url} did not start:\n{log.read_text()[-4000:]}")


def start(args: list[str], url: str, log: Path, env: dict[str, str], timeout: float = 180) -> subprocess.Popen:
    """Start a server process and wait until `url` answers."""
    with open(log, "ab") as out:
        process = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})
    try:
        wait_for(url, process, log, timeout)
    except BaseException:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running(args: list[str], url: str, log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Run a server process until the block ends, then stop it."""
    process = start(args, url, log, env)
    try:
        yield process
    finally:
        stop(process)


@contextlib.contextmanager
def action_server(workdir: Path, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """The rasa-sdk action server; yields its webhook URL."""
    port = port or free_port()
    args = [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    with running(
        args, f"http://127.0.0.1:{port}/health", workdir / f"actions-{port}.log", {"SANIC_HOST": "127.0.0.1", **env}
    ):
        yield f"http://127.0.0.1:{port}/webhook"


class RasaServer:
    """A Rasa server with the trained model and the HTTP API, which a test may restart.

    A restart keeps the port, the tracker store and the log file, as a real restart does.
    `starts` counts the processes started so far (each one sets the Telegram webhook).
    """

    def __init__(
        self,
        workdir: Path,
        action_url: str,
        credentials: dict | None = None,
        endpoints: dict | None = None,
        env: dict[str, str] | None = None,
        extra_args: tuple[str, ...] = (),
        port: int | None = None,
    ) -> None:
        if not MODEL.exists():
            raise RuntimeError(f"{MODEL} is missing: run `make train` first")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"rasa-{self.port}.log"
        self.tracker_db = workdir / f"tracker-{self.port}.db"
        credentials_file = workdir / f"credentials-{self.port}.yml"
        endpoints_file = workdir / f"endpoints-{self.port}.yml"
        credentials_file.write_text(yaml.safe_dump(credentials or {"bot.rasa_server.channels.rest.RestInput": None}))
        tracker_store = {
            "type": "bot.rasa_server.tracker_store.PersistentTrackerStore",
            "url": f"sqlite:///{self.tracker_db}",
        }
        endpoints_file.write_text(
            yaml.safe_dump(
                {"action_endpoint": {"url": action_url}, "tracker_store": tracker_store, **(endpoints or {})}
            )
        )
        self.args = [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(MODEL),
            "--interface",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--enable-api",
            "--credentials",
            str(credentials_file),
            "--endpoints",
            str(endpoints_file),
            *extra_args,
        ]
        self.env = {**UNLIMITED, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        # Loading the model takes a minute on two idle cores, several when others share them.
        self.process = start(self.args, f"{self.url}/", self.log, self.env, timeout=600)
        self.starts += 1

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_since(self, offset: int) -> str:
        """What the server printed after the log had `offset` bytes."""
        with open(self.log, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def __enter__(self) -> RasaServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])
