"""Rasa's SQL tracker store, configured by one URL (SQLite file by default, PostgreSQL by URL).

endpoints.yml names it as `type: bot.tracker_store.PersistentTrackerStore`; an
explicit `url:` there wins over `TRACKER_DB_URL`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

from bot import settings


def ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


class PersistentTrackerStore(SQLTrackerStore):
    """Conversations survive restarts; the texts in it are already redacted by the channels."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        url = kwargs.pop("url", None) or host or settings.tracker_db_url()
        ensure_sqlite_folder(url)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
