"""The knowledge repository shared by all actions, each keyed lookup read once."""

from __future__ import annotations

import functools
from typing import Any

from bot.knowledge import KnowledgeRepository

# Lookups by a key from a closed set (topics, question keys, years), not by the user's text.
KEYED_LOOKUPS = frozenset(
    {
        "guidance",
        "payment_guidance",
        "question",
        "scam_types",
        "message_signs",
        "hotlines",
        "metrics",
        "figures",
        "years",
    }
)


class ReadOnceRepository:
    """The knowledge store, with each keyed lookup read once: the store is built before the action
    server starts and is read-only while it runs, and building its entries costs more than the
    action's own work (about 30 ms for the scam types). `dispose` forgets what was read."""

    def __init__(self, repository: KnowledgeRepository) -> None:
        self._repository = repository

    def __getattr__(self, name: str) -> Any:
        method = getattr(type(self._repository), name, None)
        # A method runs against this wrapper, so the keyed lookups it makes itself are read once
        # too (metric_in scores the user's text against every metric).
        found = method.__get__(self) if callable(method) else getattr(self._repository, name)
        if name in KEYED_LOOKUPS:
            found = functools.lru_cache(maxsize=256)(found)
            setattr(self, name, found)
        return found

    def dispose(self) -> None:
        for name in KEYED_LOOKUPS & vars(self).keys():
            delattr(self, name)
        self._repository.dispose()


repository = ReadOnceRepository(KnowledgeRepository())
