"""Guidance for the card, app and suspicious-message topics: the question asked, or an analysis and steps."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import format_law_facts, format_scam_type
from actions.questions import MIN_CONFIDENCE, MIN_CONFIDENCE_OVER_ANALYSIS, asked_question, format_question
from actions.repository import repository
from actions.tracker import latest_intent, user_text
from bot.knowledge.models import Guidance
from bot.replies.lists import numbered_lines
from bot.text.message_check import Analysis, analyze, format_analysis, format_signs, looks_forwarded
from bot.text.scam_types import recognize

# After a specific answer, the topic's full steps are one tap away.
CHECKLIST_OFFER = {
    "suspected_scam_call": "接到可疑电话/短信的完整应对步骤",
    "selling_card": "有人要买/租卡的完整应对步骤",
    "app_verification": "判断App和网址真假的完整步骤",
}


def _offer_steps(dispatcher: CollectingDispatcher, topic: str) -> None:
    dispatcher.utter_message(
        text="还想看完整的应对步骤吗？", buttons=[{"title": CHECKLIST_OFFER[topic], "payload": f"/{topic}"}]
    )


def _analysis(text: str) -> Analysis | None:
    """The message check of `text` against the store's scam families and signs (None for no text)."""
    return analyze(text, repository.scam_types(), repository.message_signs()) if text else None


def format_guidance(g: Guidance) -> str:
    return f"{g.intro}\n{numbered_lines(g.steps)}\n{g.closing}"


class ActionGiveGuidance(Action):
    """The specific question's answer if one was asked; else what the message shows, then ordered steps.

    A message that carries a scam family's signs needs a surer selector for its specific
    answer (`MIN_CONFIDENCE_OVER_ANALYSIS`): a pasted SMS is better answered by its analysis.

    A pasted message, or any text with signs in it, gets the analysis (family, signs found,
    what to do); when it was forwarded and its family is known, the topic's full steps are
    offered rather than repeated. A person's own story that shows no family's phrases may still
    match a scam type by its words: that type first, then any signs found in it. A screenshot's
    text (bot/rasa_server/screenshot.py puts it, redacted, in the message's metadata) is always
    analysed as a forwarded message.
    """

    def name(self) -> str:
        return "action_give_guidance"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        intent = latest_intent(tracker)
        topic = intent if intent in CHECKLIST_OFFER else "suspected_scam_call"
        picture = ((tracker.latest_message or {}).get("metadata") or {}).get("screenshot_text")
        text = picture if isinstance(picture, str) else user_text(tracker)
        analysis = _analysis(text)
        gate = MIN_CONFIDENCE_OVER_ANALYSIS if analysis and analysis.family else MIN_CONFIDENCE
        key = None if picture else asked_question(tracker, topic, gate)
        answer = repository.question(key) if key else None
        if answer:
            dispatcher.utter_message(text=format_question(answer))
            _offer_steps(dispatcher, topic)
            return []
        forwarded = bool(picture) or looks_forwarded(text)
        story_type = None
        if topic == "suspected_scam_call" and not forwarded and not (analysis and analysis.family):
            # A person's own story names its kind of scam by its words ("快递客服…理赔"), not by a sender's phrases.
            story_type = next(iter(recognize(text, repository.scam_types(), limit=1)), None)
        if story_type:
            dispatcher.utter_message(text=format_scam_type(story_type, lead="这很像这类骗局："))
            if analysis and analysis.findings:
                dispatcher.utter_message(text=format_signs(analysis))
        elif analysis and (forwarded or analysis.family or analysis.findings):
            dispatcher.utter_message(text=format_analysis(analysis))
            if forwarded and analysis.family:
                # The family's own advice answers a forwarded message; the full steps would repeat it.
                _offer_steps(dispatcher, topic)
                return []
        dispatcher.utter_message(text=format_guidance(repository.guidance(topic)))
        return []


# The reply of each intent this action answers when the message shows no scam family.
OFF_TOPIC_REPLIES = {"out_of_scope": "utter_out_of_scope", "bot_challenge": "utter_iamabot", "greet": "utter_greet"}


class ActionAnswerOffTopic(Action):
    """None of the topics to the classifier (off topic, unclear, a greeting, a question about the
    bot); but a pasted message of a known scam family still gets its analysis, and an unclear
    question the store answers exactly still gets its answer.

    "明天早上到我办公室来一趟，有事找你" reads like office small talk (or a greeting, or a question to
    the bot) to the model, and like the opening of a fake-boss scam to a human adviser: the
    family's signs in the text decide, not the intent. "帮信罪一般判几年啊" may fall between the
    law and the card topics (the classifier's fallback when two intents tie); both would answer
    with the statute, which the store finds by the question's own words (a law fact's keywords
    and cues). Otherwise each intent gets its own reply (OFF_TOPIC_REPLIES) and an unclear
    message the ask-again one.
    """

    def name(self) -> str:
        return "action_answer_off_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        text = user_text(tracker)
        analysis = _analysis(text)
        intent = latest_intent(tracker)
        if analysis and analysis.family:
            dispatcher.utter_message(text=format_analysis(analysis))
            _offer_steps(dispatcher, "suspected_scam_call")
        elif intent not in OFF_TOPIC_REPLIES and (facts := repository.law_facts_answering(text)):
            dispatcher.utter_message(text=format_law_facts(facts))
        else:
            dispatcher.utter_message(response=OFF_TOPIC_REPLIES.get(intent, "utter_default"))
        return []
