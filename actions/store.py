"""The knowledge repository shared by all actions, and small reply helpers."""

from __future__ import annotations

from collections.abc import Iterable

from rasa_sdk import Tracker

from bot.knowledge import KnowledgeRepository

repository = KnowledgeRepository()


def user_text(tracker: Tracker) -> str:
    """The latest user message, or "" for a button payload such as /lost_money."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The first value of entity `name` in the latest message, if any."""
    return next(tracker.get_latest_entity_values(name), None)


def bullet_lines(lines: Iterable[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


def numbered_lines(lines: Iterable[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
