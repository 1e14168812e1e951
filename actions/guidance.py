"""Step-by-step guidance for the core topics, with red flags and scam type when the text shows them."""

from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import format_scam_type
from actions.questions import asked_question, format_question
from actions.store import numbered_lines, repository, user_text
from bot import redflags
from bot.knowledge.repository import Guidance
from bot.scam_types import recognize

# After a specific answer, the topic's full steps are one tap away.
CHECKLIST_OFFER = {
    "suspected_scam_call": "接到可疑电话/短信的完整应对步骤",
    "selling_card": "有人要买/租卡的完整应对步骤",
    "app_verification": "判断App和网址真假的完整步骤",
}
CHECKED_TOPICS = ("suspected_scam_call", "app_verification")
# A pasted SMS, chat message, number or link rather than a description of one.
PASTED = re.compile(r"https?://|www\.|【|\+?\d{5,}|[a-z0-9-]+\.(?:com|cn|net|top|xyz|cc|vip|apk)", re.I)
PASTED_MIN_CHARS = 60


def format_guidance(g: Guidance) -> str:
    return f"{g.intro}\n{numbered_lines(g.steps)}\n{g.closing}"


def looks_pasted(text: str) -> bool:
    return bool(PASTED.search(text)) or len(text) >= PASTED_MIN_CHARS


class ActionGiveGuidance(Action):
    """The specific question's answer if one was asked; else red flags, scam type and ordered steps."""

    def name(self) -> str:
        return "action_give_guidance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = intent if intent in CHECKLIST_OFFER else "suspected_scam_call"
        text = user_text(tracker)
        key = asked_question(tracker, topic)
        answer = repository.question(key) if key else None
        if answer:
            dispatcher.utter_message(text=format_question(answer))
            dispatcher.utter_message(
                text="还想看完整的应对步骤吗？",
                buttons=[{"title": CHECKLIST_OFFER[topic], "payload": f"/{topic}"}],
            )
            return []
        if topic in CHECKED_TOPICS and text:
            flags = redflags.check(text)
            if flags or looks_pasted(text):
                dispatcher.utter_message(text=redflags.summary(flags))
        if topic == "suspected_scam_call":
            for scam_type in recognize(text, repository.scam_types(), limit=1):
                dispatcher.utter_message(text=format_scam_type(scam_type, lead="这很像这类骗局："))
        dispatcher.utter_message(text=format_guidance(repository.guidance(topic)))
        return []
