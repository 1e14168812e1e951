"""Python snippets run in fresh interpreters, started as soon as the session knows its tests.

A snippet that imports Rasa or the action server from scratch spends 10-25 s, nearly all
of it importing; started at collection, it runs on the machine's other core while the
tests before it run, and its test only collects the result.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.servers import ROOT


class Snippets:
    """The running snippets, one per test that asked for one with `@pytest.mark.background(code, env)`."""

    def __init__(self) -> None:
        self._running: dict[str, subprocess.Popen] = {}

    def start(self, test_id: str, code: str, env: dict[str, str] | None = None) -> None:
        self._running[test_id] = subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})},
        )

    def result(self, test_id: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Wait for the test's snippet; its exit code and output."""
        process = self._running.pop(test_id)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def stop(self) -> None:
        """End the snippets whose tests did not run (a failure stopped the session)."""
        for process in self._running.values():
            process.kill()
            process.communicate()
        self._running.clear()
