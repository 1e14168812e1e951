"""Start the real action server and Rasa server on free localhost ports."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator, Optional

import yaml

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "fanzha.tar.gz"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@contextlib.contextmanager
def running(args: list[str], url: str, log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Run a server process until the block ends, then stop it."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env}
        )
        try:
            wait_for(url, process, log)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def action_server(workdir: Path, env: dict[str, str], port: Optional[int] = None) -> Iterator[str]:
    """The rasa-sdk action server; yields its webhook URL."""
    port = port or free_port()
    args = [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
    with running(args, f"http://127.0.0.1:{port}/health", workdir / f"actions-{port}.log",
                 {"SANIC_HOST": "127.0.0.1", **env}):
        yield f"http://127.0.0.1:{port}/webhook"


@contextlib.contextmanager
def rasa_server(
    workdir: Path,
    action_url: str,
    credentials: Optional[dict] = None,
    endpoints: Optional[dict] = None,
    env: Optional[dict[str, str]] = None,
    extra_args: tuple[str, ...] = (),
    port: Optional[int] = None,
) -> Iterator[str]:
    """A Rasa server with the trained model and the HTTP API; yields its base URL."""
    if not MODEL.exists():
        raise RuntimeError(f"{MODEL} is missing: run `make train` first")
    port = port or free_port()
    credentials_file = workdir / f"credentials-{port}.yml"
    endpoints_file = workdir / f"endpoints-{port}.yml"
    credentials_file.write_text(yaml.safe_dump(credentials or {"bot.channels.rest.RestInput": None}))
    tracker_store = {
        "type": "bot.tracker_store.PersistentTrackerStore",
        "url": f"sqlite:///{workdir / f'tracker-{port}.db'}",
    }
    endpoints_file.write_text(
        yaml.safe_dump(
            {"action_endpoint": {"url": action_url}, "tracker_store": tracker_store, **(endpoints or {})}
        )
    )
    args = [
        str(BIN / "rasa"), "run", "--model", str(MODEL), "--interface", "127.0.0.1",
        "--port", str(port), "--enable-api", "--credentials", str(credentials_file),
        "--endpoints", str(endpoints_file), *extra_args,
    ]
    # Every test posts from 127.0.0.1 with new sender ids: lift the per-address limits
    # (tests/test_channels.py checks them in-process).
    unlimited = {"RATE_LIMIT_PER_ADDRESS": "1000000", "NEW_CONVERSATIONS_PER_MINUTE": "1000000"}
    with running(args, f"http://127.0.0.1:{port}/", workdir / f"rasa-{port}.log", {**unlimited, **(env or {})}):
        yield f"http://127.0.0.1:{port}"


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def tracker_db(workdir: Path, rasa_url: str) -> Path:
    """The SQLite tracker store of the Rasa server at `rasa_url`."""
    return workdir / f"tracker-{port_of(rasa_url)}.db"


def rasa_log(workdir: Path, rasa_url: str) -> Path:
    """Everything the Rasa server at `rasa_url` printed."""
    return workdir / f"rasa-{port_of(rasa_url)}.log"
