"""Build rasa-sdk trackers for action tests."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker


def tracker_for(
    text: str,
    intent: str,
    entities: Optional[dict[str, str]] = None,
    slots: Optional[dict] = None,
    sender_id: str = "tester",
) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent` with `entities`."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }
    events = [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker(sender_id, slots or {}, latest, events, False, None, {}, "action_listen")
