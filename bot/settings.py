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
