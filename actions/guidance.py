"""Step-by-step guidance for the four core topics."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import format_scam_type
from actions.store import numbered_lines, repository, user_text
from bot.knowledge.repository import Guidance
from bot.scam_types import recognize

CORE_TOPICS = ("suspected_scam_call", "lost_money", "selling_card", "app_verification")


def format_guidance(g: Guidance) -> str:
    return f"{g.intro}\n{numbered_lines(g.steps)}\n{g.closing}"


class ActionGiveGuidance(Action):
    """Ordered steps for the detected core topic, with the scam type's signs when recognised."""

    def name(self) -> str:
        return "action_give_guidance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = intent if intent in CORE_TOPICS else "suspected_scam_call"
        guidance = repository.guidance(topic)
        dispatcher.utter_message(text=format_guidance(guidance))
        if topic == "suspected_scam_call":
            for scam_type in recognize(user_text(tracker), repository.scam_types(), limit=1):
                dispatcher.utter_message(text=format_scam_type(scam_type, lead="这很像这类骗局："))
        return []
