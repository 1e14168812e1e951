"""A context manager entered on a thread of its own, so a slow start overlaps the tests before its own."""

from __future__ import annotations

import contextlib
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Early(Generic[T]):
    """Enters `manager` now, on a thread; `value()` waits for it, `close()` exits it."""

    def __init__(self, manager: contextlib.AbstractContextManager[T]) -> None:
        self._manager = manager
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._enter, name="early-start", daemon=True)
        self._thread.start()

    def _enter(self) -> None:
        try:
            self._value = self._manager.__enter__()
        except BaseException as error:  # handed to the test that asks for the value
            self._error = error

    def value(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value

    def close(self) -> None:
        self._thread.join()
        if self._error is None:
            self._manager.__exit__(None, None, None)
