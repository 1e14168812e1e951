"""The real action server and Rasa server on free localhost ports, started with deploy/processes.py."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from bot.knowledge.loader import build
from deploy import processes
from deploy.processes import MODEL, ROOT, free_port, lasting_port

__all__ = ["MODEL", "ROOT", "RasaServer", "action_server", "free_port", "lasting_port", "port_of"]

# Every test posts from 127.0.0.1 with new sender ids: lift the per-address limits
# (tests/test_channels.py checks them in-process).
UNLIMITED = {"RATE_LIMIT_PER_ADDRESS": "1000000", "NEW_CONVERSATIONS_PER_MINUTE": "1000000"}
START_TIMEOUT = 180


@contextlib.contextmanager
def action_server(workdir: Path, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """The rasa-sdk action server; yields its webhook URL."""
    with processes.action_server(workdir, env, port, START_TIMEOUT) as service:
        yield f"{service.url}/webhook"


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
        keep_in_memory: int | None = None,
    ) -> None:
        if not MODEL.exists():
            raise RuntimeError(f"{MODEL} is missing: run `make train` first")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"rasa-{self.port}.log"
        self.tracker_db = workdir / f"tracker-{self.port}.db"
        tracker_store = processes.endpoint("tracker_store", f"sqlite:///{self.tracker_db}")
        if keep_in_memory is not None:
            tracker_store["keep_in_memory"] = keep_in_memory
        files = processes.server_files(
            workdir,
            self.port,
            credentials or {"bot.rasa_server.channels.rest.RestInput": None},
            {
                "action_endpoint": processes.endpoint("action_endpoint", action_url),
                "tracker_store": tracker_store,
                **(endpoints or {}),
            },
        )
        self.args = processes.rasa_server_args(MODEL, self.port, *files, "--enable-api", *extra_args)
        self.env = {**UNLIMITED, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        # Loading the model takes a minute on two idle cores, several when others share them.
        self.process = processes.start_server(
            f"rasa-{self.port}", self.args, f"{self.url}/", self.log, self.env, 600
        ).process
        self.starts += 1

    def stop(self) -> None:
        if self.process is not None:
            processes.stop(self.process)
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


@contextlib.contextmanager
def read_back_rasa(workdir: Path) -> Iterator[RasaServer]:
    """A Rasa server whose tracker store keeps no conversation in memory (every turn is read back from
    SQLite), with a knowledge store and action server of its own, so that it needs no session fixture."""
    database_url = f"sqlite:///{workdir / 'knowledge.db'}"
    build(database_url)
    with (
        action_server(workdir, {"DATABASE_URL": database_url}) as action_url,
        RasaServer(workdir, action_url, keep_in_memory=0) as server,
    ):
        yield server


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])
