"""Delete conversations that have been idle for longer than the retention period.

`python -m bot.ops.retention [DAYS]` (or `make retention`) works on the tracker
store at `TRACKER_DB_URL` (default: the SQLite file under var/).
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bot import settings
from bot.rasa_server.tracker_store import ensure_sqlite_folder

SECONDS_PER_DAY = 86_400


def delete_idle_conversations(url: str, days: int, now: float | None = None) -> int:
    """Delete every event of senders whose last event is older than `days`; returns the count of senders."""
    from rasa.core.tracker_store import SQLTrackerStore

    events = SQLTrackerStore.SQLEvent.__table__
    cutoff = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    ensure_sqlite_folder(url)
    engine = create_engine(url, future=True)
    try:
        events.metadata.create_all(engine, tables=[events])
        with Session(engine) as session, session.begin():
            idle = select(events.c.sender_id).group_by(events.c.sender_id).having(func.max(events.c.timestamp) < cutoff)
            senders = list(session.execute(idle).scalars())
            if senders:
                session.execute(events.delete().where(events.c.sender_id.in_(senders)))
            return len(senders)
    finally:
        engine.dispose()


if __name__ == "__main__":
    days = int(sys.argv[1]) if len(sys.argv) > 1 else settings.retention_days()
    count = delete_idle_conversations(settings.tracker_db_url(), days)
    print(f"deleted {count} conversation(s) idle for more than {days} days")
