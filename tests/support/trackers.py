"""Build rasa-sdk trackers for action tests."""

from __future__ import annotations

from rasa_sdk import Tracker


def tracker_for(
    text: str,
    intent: str,
    entities: dict[str, str] | None = None,
    slots: dict | None = None,
    sender_id: str = "tester",
    active_loop: str | None = None,
    question: tuple[str, float] | None = None,
) -> Tracker:
    """A tracker whose latest message is `text`, classified as `intent` with `entities`.

    `question` is the ResponseSelector's top (retrieval key, confidence); `active_loop`
    names the running form, whose `requested_slot` comes from `slots`.
    """
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
    }
    if question:
        key, confidence = question
        latest["response_selector"] = {"default": {"ranking": [{"intent_response_key": key, "confidence": confidence}]}}
    events = [{"event": "user", "text": text, "parse_data": latest}]
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(sender_id, slots or {}, latest, events, False, None, loop, "action_listen")
