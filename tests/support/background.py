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


def rasa_cli(*args: str) -> str:
    """A snippet that is Rasa's command line itself (ending the snippet ends Rasa)."""
    return f"import sys; from rasa.__main__ import main; sys.argv = {['rasa', *args]!r}; main()"


class Snippets:
    """The running snippets, one per test that asked for one with `@pytest.mark.background(code, env)`.

    Tests that ask for the same snippet share one run (e.g. three checks of one held-out evaluation).
    """

    def __init__(self) -> None:
        self._runs: dict[tuple, subprocess.Popen] = {}  # one per distinct (code, env)
        self._tests: dict[str, tuple] = {}  # test id -> its run's key
        self._results: dict[tuple, subprocess.CompletedProcess] = {}

    def start(self, test_id: str, code: str, env: dict[str, str] | None = None) -> None:
        key = (code, tuple(sorted((env or {}).items())))
        self._tests[test_id] = key
        if key not in self._runs:
            self._runs[key] = subprocess.Popen(
                [sys.executable, "-c", code],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **(env or {})},
            )

    def started(self, test_id: str) -> bool:
        return test_id in self._tests

    def result(self, test_id: str, timeout: float = 600) -> subprocess.CompletedProcess:
        """Wait for the test's snippet; its exit code and output."""
        key = self._tests.pop(test_id)
        if key not in self._results:
            process = self._runs[key]
            try:
                stdout, stderr = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                raise
            self._results[key] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        return self._results[key]

    def stop(self, keep: set[str] | frozenset[str] = frozenset()) -> None:
        """End the snippets no test in `keep` waits for (all of them when `keep` is empty)."""
        self._tests = {t: key for t, key in self._tests.items() if t in keep}
        needed = set(self._tests.values())
        for key in [k for k in self._runs if k not in needed and k not in self._results]:
            process = self._runs.pop(key)
            process.kill()
            process.communicate()
