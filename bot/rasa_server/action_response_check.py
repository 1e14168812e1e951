"""Start-up step of the Rasa server: check action server responses with validators built once.

Rasa 3.6's RemoteAction checks every response with `jsonschema.validate()`, which first
checks Rasa's schema itself against the metaschema and builds a new validator: about
20 ms of every custom action call, more than the action itself. The check stays the
same: the response is an object, `responses` a list of objects, and every event an object
that matches exactly one of Rasa's event schemas. Each of those schemas fixes its own
`event` name, so the one an event can match is found by that name and only it is checked
(not all 23). Anything else (an unknown name, not an object) goes through the whole
schema, so a bad response fails with Rasa's own error.
"""

from __future__ import annotations

from typing import Any

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


class ResponseCheck:
    """Rasa's action response schema, split into one validator per event name."""

    def __init__(self, schema: dict[str, Any]) -> None:
        validator = validators.validator_for(schema)
        events = schema["properties"]["events"]
        self.any_event = validator(events["items"])
        common = {key: value for key, value in events["items"].items() if key != "oneOf"}
        self.by_name = {
            branch["properties"]["event"]["const"]: validator({"allOf": [common, branch]})
            for branch in events["items"]["oneOf"]
        }
        if len(self.by_name) != len(events["items"]["oneOf"]):
            raise ValueError("Rasa's event schemas no longer have one event name each")
        self.envelope = validator({**schema, "properties": {**schema["properties"], "events": {"type": "array"}}})

    def validate(self, result: Any) -> None:
        """Raises jsonschema's ValidationError where Rasa's schema would."""
        self.envelope.validate(result)
        for event in result.get("events", []):
            name = event.get("event") if isinstance(event, dict) else None
            check = self.by_name.get(name) if isinstance(name, str) else None
            (check or self.any_event).validate(event)


def check_action_responses_quickly() -> None:
    """Start-up step: RemoteAction validates with one ResponseCheck, built here."""
    check = ResponseCheck(RemoteAction.action_response_format_spec())

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            check.validate(result)
        except ValidationError as error:  # the message Rasa adds
            error.message += (
                ". Failed to validate Action server response from API, make sure your response from the "
                f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise
        return True

    RemoteAction._validate_action_result = validate
