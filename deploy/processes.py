"""Start, wait for and stop the project's server processes on loopback.

The one launcher behind `make cluster` (deploy/cluster.py), the benchmarks (scripts/bench.py,
scripts/bench_ocr.py, scripts/profile_turn.py) and the tests' servers (tests/support/servers.py):
the command lines of `rasa run` and of the action server, free ports, a process run in its own
session until a block ends, and polling until it answers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "fanzha.tar.gz"
BIN = Path(sys.executable).parent
START_TIMEOUT = 300  # Rasa servers loading TensorFlow on two busy cores
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
# For the benchmarks: every simulated user comes from 127.0.0.1, and the limits are not what is measured.
NO_RATE_LIMITS = {
    "RATE_LIMIT_PER_MINUTE": "1000000",
    "RATE_LIMIT_PER_ADDRESS": "1000000",
    "NEW_CONVERSATIONS_PER_MINUTE": "1000000",
}


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


def action_server_args(port: int) -> list[str]:
    """Command line of the rasa-sdk action server serving `actions/` on `port`."""
    return [str(BIN / "python"), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]


def rasa_server_args(model: Path, port: int, credentials: Path, endpoints: Path, *extra: str) -> list[str]:
    """Command line of `rasa run` on 127.0.0.1:`port` with the given model, credentials and endpoints files."""
    return [
        str(BIN / "rasa"),
        "run",
        "--model",
        str(model),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--credentials",
        str(credentials),
        "--endpoints",
        str(endpoints),
        *extra,
    ]


def endpoint(section: str, url: str) -> dict[str, Any]:
    """A section of endpoints.yml (the action endpoint with `enable_selective_domain`, the tracker
    store with `keep_in_memory`, ...) at another `url`."""
    config = yaml.safe_load((ROOT / "endpoints.yml").read_text())[section]
    return {**config, "url": url}


def server_files(workdir: Path, port: int, credentials: dict[str, Any], endpoints: dict[str, Any]) -> tuple[Path, Path]:
    """Write a Rasa server's credentials and endpoints files (named after its port) into `workdir`."""
    credentials_file, endpoints_file = workdir / f"credentials-{port}.yml", workdir / f"endpoints-{port}.yml"
    credentials_file.write_text(yaml.safe_dump(credentials))
    endpoints_file.write_text(yaml.safe_dump(endpoints))
    return credentials_file, endpoints_file


@dataclasses.dataclass
class Service:
    """A process started here; `log` holds everything it printed."""

    name: str
    process: subprocess.Popen
    log: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid


def launch(name: str, args: list[str], log: Path, env: dict | None = None, cwd: Path = ROOT, **popen: Any) -> Service:
    """Start `args` in a session of its own (so `stop` ends it with its children), output appended to `log`."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            args,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **popen,
        )
    return Service(name, process, log)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Stop a process started here (its whole process group), then reap it; SIGKILL after `timeout` s."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)


@contextlib.contextmanager
def started(
    name: str,
    args: list[str],
    log: Path,
    env: dict | None = None,
    cwd: Path = ROOT,
    stop_signal: int = signal.SIGTERM,
    **popen: Any,
) -> Iterator[Service]:
    """Run `args` (see `launch`) until the block ends."""
    service = launch(name, args, log, env, cwd, **popen)
    try:
        yield service
    finally:
        stop(service.process, stop_signal)


def wait_until(
    ready: Callable[[], Any], services: list[Service], timeout: float = START_TIMEOUT, interval: float = 0.3
) -> None:
    """Poll `ready` until it returns true; fail with the log tails if a service exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for service in services:
            if service.process.poll() is not None:
                raise RuntimeError(
                    f"{service.name} exited ({service.process.returncode}):\n"
                    f"{service.log.read_text(errors='replace')[-4000:]}"
                )
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(interval)
    tails = "\n".join(f"--- {s.name}\n{s.log.read_text(errors='replace')[-2000:]}" for s in services)
    raise RuntimeError(f"not ready after {timeout} s:\n{tails}")


def http_ok(url: str) -> bool:
    with HTTP.open(url, timeout=3) as response:
        return response.status == 200


def start_server(
    name: str, args: list[str], url: str, log: Path, env: dict | None = None, timeout: float = START_TIMEOUT
) -> Service:
    """Start a server and wait until `url` answers 200; stopped again if it does not."""
    service = launch(name, args, log, env)
    try:
        wait_until(lambda: http_ok(url), [service], timeout)
    except BaseException:
        stop(service.process)
        raise
    parts = urllib.parse.urlsplit(url)
    service.url = f"{parts.scheme}://{parts.netloc}"
    return service


@contextlib.contextmanager
def server(
    name: str, args: list[str], url: str, log: Path, env: dict | None = None, timeout: float = START_TIMEOUT
) -> Iterator[Service]:
    """A server (see `start_server`) running until the block ends."""
    service = start_server(name, args, url, log, env, timeout)
    try:
        yield service
    finally:
        stop(service.process)


@contextlib.contextmanager
def action_server(
    workdir: Path, env: dict[str, str], port: int | None = None, timeout: float = START_TIMEOUT
) -> Iterator[Service]:
    """The rasa-sdk action server on 127.0.0.1 until the block ends (log in `workdir`); its webhook is
    `service.url + "/webhook"`."""
    port = port or free_port()
    with server(
        f"actions-{port}",
        action_server_args(port),
        f"http://127.0.0.1:{port}/health",
        workdir / f"actions-{port}.log",
        {"SANIC_HOST": "127.0.0.1", **env},
        timeout,
    ) as service:
        yield service
