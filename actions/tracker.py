"""What the latest user message said, read from the conversation's tracker."""

from __future__ import annotations

from rasa_sdk import Tracker


def user_text(tracker: Tracker) -> str:
    """The latest user message, or "" for a button payload such as /lost_money."""
    text = (tracker.latest_message or {}).get("text") or ""
    return "" if text.startswith("/") else text


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The first value of entity `name` in the latest message, if any."""
    return next(tracker.get_latest_entity_values(name), None)


def latest_intent(tracker: Tracker) -> str | None:
    """The intent the NLU gave the latest user message."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")
