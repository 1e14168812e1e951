"""Rasa's SQL tracker store, configured by one URL (SQLite file by default, PostgreSQL by URL).

endpoints.yml names it as `type: bot.rasa_server.tracker_store.PersistentTrackerStore`; an
explicit `url:` there wins over `TRACKER_DB_URL`.

Rasa's SQLTrackerStore reads a conversation back from the database and replays its events
on every turn, and on every save counts the stored events again to find the new ones. On
a SQLite file (one Rasa server, the `make run` default) the last `keep_in_memory`
conversations (endpoints.yml, default 1000; 0 turns it off) stay in memory as the trackers
their last turns saved: the next turn starts from that tracker and its save writes only
the events added since; a new sender's first save, too, writes its events without counting
the stored ones (there are none). Every event is still written at the end of its turn. A SQLite file
also runs in WAL mode on one connection, so a save is one commit without a journal fsync
(a power cut may lose the last turns; a crash of the server does not). PostgreSQL (the
cluster, several servers) is unchanged: every turn reads the database.
"""

from __future__ import annotations

import collections
import json
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url
from sqlalchemy.pool import SingletonThreadPool

from bot import settings

logger = logging.getLogger(__name__)

# A kept conversation is read from the database again after this long idle, so rows that
# another process deleted (`make retention`) are not written back around a stale tracker.
KEEP_SECONDS = 300
KEPT_CONVERSATIONS = 1000  # on a SQLite file unless endpoints.yml says otherwise


def ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL: readers never wait for the writer, and a commit appends to the log without a journal fsync."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


class _Kept(NamedTuple):
    tracker: DialogueStateTracker | None  # None: the database had no events for this sender
    stored: int  # how many of tracker.events are in the database
    at: float


class PersistentTrackerStore(SQLTrackerStore):
    """Conversations survive restarts; the texts in it are already redacted by the channels."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        keep_in_memory: int | None = None,
        **kwargs: Any,
    ) -> None:
        url = kwargs.pop("url", None) or host or settings.tracker_db_url()
        ensure_sqlite_folder(url)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        sqlite = self.engine.dialect.name == "sqlite"
        if sqlite:
            self._one_wal_connection()
        self.keep_in_memory = KEPT_CONVERSATIONS if keep_in_memory is None and sqlite else int(keep_in_memory or 0)
        several = int(os.environ.get("SANIC_WORKERS", "1")) > 1
        if self.keep_in_memory and (not sqlite or several or event_broker is not None):
            # Other servers or workers write the same database; a broker needs Rasa's own diff on save.
            logger.warning("keep_in_memory is for one Rasa process on SQLite without an event broker: off")
            self.keep_in_memory = 0
        self._kept: collections.OrderedDict[str, _Kept] = collections.OrderedDict()

    def _one_wal_connection(self) -> None:
        """SQLAlchemy opens a new SQLite connection per session by default; the turns run on one thread."""
        self.engine.dispose()
        self.engine = sa.create_engine(self.engine.url, poolclass=SingletonThreadPool)
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The kept tracker when it is as the last save left it, else the database's.

        When the database has nothing for the sender, that is kept too: Rasa then creates the
        tracker (its processor through a wrapper that does not call `create_tracker` here) and
        saves it, and that first save writes every event without asking the database again.
        """
        kept = self._kept.get(sender_id)
        if kept and kept.tracker is not None and len(kept.tracker.events) == kept.stored and self._fresh(kept):
            self._kept.move_to_end(sender_id)
            return kept.tracker
        tracker = await super().retrieve(sender_id)
        if tracker is None:
            self._keep_none_stored(sender_id)
        else:
            self._keep(tracker, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the events added since this tracker was read or saved; other trackers as Rasa does.

        Only a kept tracker stays kept: one built otherwise (e.g. the HTTP API's full
        tracker, all sessions) is read from the database again next time.
        """
        kept = self._kept.pop(tracker.sender_id, None)
        none_stored = kept is not None and kept.tracker is None and self._fresh(kept)
        if not none_stored and (kept is None or kept.tracker is not tracker):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            self._add(session, tracker.sender_id, list(tracker.events)[kept.stored :])
            session.commit()
        self._keep(tracker, len(tracker.events))

    def _keep(self, tracker: DialogueStateTracker, stored: int) -> None:
        self._remember(tracker.sender_id, _Kept(tracker, stored, time.monotonic()))

    def _keep_none_stored(self, sender_id: str) -> None:
        self._remember(sender_id, _Kept(None, 0, time.monotonic()))

    def _remember(self, sender_id: str, kept: _Kept) -> None:
        if not self.keep_in_memory:
            return
        self._kept[sender_id] = kept
        self._kept.move_to_end(sender_id)
        while len(self._kept) > self.keep_in_memory:
            self._kept.popitem(last=False)

    @staticmethod
    def _fresh(kept: _Kept) -> bool:
        return time.monotonic() - kept.at < KEEP_SECONDS

    def _add(self, session: Any, sender_id: str, events: Iterable[Event]) -> None:
        """The rows SQLTrackerStore.save writes for `events`, in one insert (not one ORM object each)."""
        rows = []
        for event in events:
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        if rows:
            session.execute(sa.insert(self.SQLEvent.__table__), rows)
