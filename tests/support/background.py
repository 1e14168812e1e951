"""Python snippets run in fresh interpreters, started as soon as their tests are collected.

A snippet that imports Rasa or the action server from scratch spends 10-25 s, nearly all
of it importing; started when its test is collected, it runs on the machine's other core
while the rest is collected and the tests before it run, and its test only collects the result.
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
            [sys.executable, "-c", code],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
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

    def stop(self, keep: set[str] | frozenset[str] = frozenset()) -> None:
        """End the snippets whose tests will not run, all but those of the tests in `keep`."""
        for test_id in [t for t in self._running if t not in keep]:
            process = self._running.pop(test_id)
            process.kill()
            process.communicate()
