"""Start-up step of the Rasa server: an action call carries the current turn, not the whole conversation.

Rasa 3.6's RemoteAction sends the action server every event of the conversation (the
session's, as the tracker store reads it) on every call, each user message with its full
parse data: 135 events and 100 KB after the bench's 20 messages, and growing with every
turn. The actions read the tracker's state (slots, latest message, active loop) and, through
rasa-sdk's form validation, the slot candidates at the end of the events; nothing older than
the latest user message (tests/test_speedups.py checks that `actions/` reads no event
history). So the request keeps Rasa's format and state and lists the events from the latest
user message on: on loopback a call then took 0.8 ms instead of 2.0 after 20 messages and
instead of 4.8 after 60. It also keeps earlier messages out of the action servers.
"""

from __future__ import annotations

import functools
from typing import Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity


def current_turn(events: list[Event]) -> list[Event]:
    """The events from the latest user message on (all of them before the first one)."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            return events[index:]
    return events


def send_current_turn_only() -> None:
    """Start-up step: RemoteAction's request lists only `current_turn` of the tracker's events."""
    rasas = getattr(RemoteAction._action_call_format, "__wrapped__", RemoteAction._action_call_format)

    @functools.wraps(rasas)  # Rasa's own stays reachable, also when the step runs again
    def request(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
        """Rasa's `_action_call_format` with `current_turn` for `EventVerbosity.ALL`."""
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in current_turn(list(tracker.events))]
        result = {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": state,
            "version": rasa.__version__,
        }
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = domain.as_dict()
        return result

    RemoteAction._action_call_format = request
