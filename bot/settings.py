"""Runtime settings: the one place that reads the environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE_DIR = ROOT / "data" / "knowledge"


def var_dir() -> Path:
    """Folder for runtime files (SQLite databases, logs); never committed."""
    return Path(os.environ.get("FANZHA_VAR_DIR", ROOT / "var"))


def database_url() -> str:
    """SQLAlchemy URL of the knowledge store: `DATABASE_URL`, else a SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir() / 'knowledge.db'}"


def action_timeout() -> float:
    """Seconds Rasa waits for the action server before the fallback reply (`ACTION_TIMEOUT`)."""
    return float(os.environ.get("ACTION_TIMEOUT", "5"))


def rate_limit() -> int:
    """Messages one sender may send per minute (`RATE_LIMIT_PER_MINUTE`)."""
    return int(os.environ.get("RATE_LIMIT_PER_MINUTE", "20"))


def tracker_db_url() -> str:
    """Where conversations are kept: `TRACKER_DB_URL`, else a SQLite file under var/."""
    return os.environ.get("TRACKER_DB_URL") or f"sqlite:///{var_dir() / 'tracker.db'}"


def retention_days() -> int:
    """Conversations idle for longer than this are deleted by `make retention`."""
    return int(os.environ.get("RETENTION_DAYS", "30"))
