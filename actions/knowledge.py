"""Hotline, law and scam-type answers, all read from the knowledge store."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.repository import repository
from actions.tracker import user_text
from bot.knowledge.models import Hotline, LawFact, ScamType
from bot.replies.lists import bullet_lines
from bot.text.scam_types import recognize


def format_hotline(h: Hotline) -> str:
    return f"{h.number}（{h.name}）：{h.summary}"


def format_law_fact(fact: LawFact) -> str:
    if fact.citation:
        return f"{fact.statement}（{fact.citation}）"
    return f"{fact.statement}（依据：{fact.statute}）" if fact.statute else fact.statement


def format_law_facts(facts: list[LawFact]) -> str:
    return "\n".join(f"• {format_law_fact(f)}" for f in facts)


def format_scam_type(t: ScamType, lead: str = "") -> str:
    return f"{lead}【{t.name}】\n常见特征：\n{bullet_lines(t.signs)}\n现在该做的：\n{bullet_lines(t.advice)}"


class ActionAnswerHotline(Action):
    """Which number to call: the one asked about, or the essential list."""

    def name(self) -> str:
        return "action_answer_hotline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        text = user_text(tracker)
        hotlines = repository.hotlines()
        asked = [h for h in hotlines if h.mentioned_in(text)]
        if len(asked) == 1:
            h = asked[0]
            dispatcher.utter_message(text=f"{format_hotline(h)}\n{bullet_lines(h.details)}")
        else:
            shown = asked or [h for h in hotlines if h.essential]
            lines = "\n".join(f"• {format_hotline(h)}" for h in shown)
            dispatcher.utter_message(text=f"记住这几个号码：\n{lines}")
        return []


class ActionAnswerLaw(Action):
    """Law and policy facts matching the question, each with its source or statute."""

    def name(self) -> str:
        return "action_answer_law"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        facts = repository.law_facts(user_text(tracker))
        if facts:
            dispatcher.utter_message(text=format_law_facts(facts))
        else:
            general = repository.law_facts("反电信网络诈骗法")
            reply = "我的资料里没有直接回答这个问题的内容。"
            if general:
                reply += "和反诈相关的法律要点有：\n" + format_law_facts(general)
            dispatcher.utter_message(text=reply)
        return []


class ActionAnswerScamType(Action):
    """Explain the scam type the user names or describes, or list the common ones."""

    def name(self) -> str:
        return "action_answer_scam_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        types = repository.scam_types()
        found = recognize(user_text(tracker), types)
        if found:
            dispatcher.utter_message(text="\n\n".join(format_scam_type(t) for t in found))
        else:
            names = "、".join(t.name for t in types)
            dispatcher.utter_message(text=f"常见的骗局有：{names}。想了解哪一种，直接告诉我名字就行。")
        return []
