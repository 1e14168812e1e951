"""Step-by-step guidance for the core topics, with red flags and scam type when the text shows them."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import format_scam_type
from actions.store import numbered_lines, repository, user_text
from bot import redflags
from bot.knowledge.repository import Guidance
from bot.scam_types import recognize

CORE_TOPICS = ("suspected_scam_call", "lost_money", "selling_card", "app_verification")
CHECKED_TOPICS = ("suspected_scam_call", "app_verification")
# A pasted SMS, chat message, number or link rather than a description of one.
PASTED = re.compile(r"https?://|www\.|【|\+?\d{5,}|[a-z0-9-]+\.(?:com|cn|net|top|xyz|cc|vip|apk)", re.I)
PASTED_MIN_CHARS = 60


def format_guidance(g: Guidance) -> str:
    return f"{g.intro}\n{numbered_lines(g.steps)}\n{g.closing}"


def looks_pasted(text: str) -> bool:
    return bool(PASTED.search(text)) or len(text) >= PASTED_MIN_CHARS


class ActionGiveGuidance(Action):
    """Red flags of a pasted message, the scam type if recognised, then ordered steps."""

    def name(self) -> str:
        return "action_give_guidance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = intent if intent in CORE_TOPICS else "suspected_scam_call"
        text = user_text(tracker)
        if topic in CHECKED_TOPICS and text:
            flags = redflags.check(text)
            if flags or looks_pasted(text):
                dispatcher.utter_message(text=redflags.summary(flags))
        if topic == "suspected_scam_call":
            for scam_type in recognize(text, repository.scam_types(), limit=1):
                dispatcher.utter_message(text=format_scam_type(scam_type, lead="这很像这类骗局："))
        dispatcher.utter_message(text=format_guidance(repository.guidance(topic)))
        return []
