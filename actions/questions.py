"""The question layer: which specific question inside a topic was asked, and its answer from the store."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.knowledge import format_hotline, format_law_facts
from actions.statistics import format_figures
from bot.knowledge.models import QuestionAnswer

GENERAL = "general"
# Below this the ResponseSelector is guessing; the topic's general reply is the safer answer.
# The selector spreads its confidence over 68 keys, so a clear first choice often scores 0.3-0.5.
MIN_CONFIDENCE = 0.3
# When the message itself carries a scam family's signs (a pasted SMS), the analysis of it is
# the better answer unless the selector is sure a specific question was asked.
MIN_CONFIDENCE_OVER_ANALYSIS = 0.5


def asked_question(tracker: Tracker, topic: str, min_confidence: float = MIN_CONFIDENCE) -> str | None:
    """The retrieval key of the specific question asked in the latest message, if one stands out.

    The selector ranks keys of every topic; only this topic's best key counts, and only
    when it is not the topic's general key and the selector is confident enough.
    """
    selector = ((tracker.latest_message or {}).get("response_selector") or {}).get("default") or {}
    ranking = selector.get("ranking") or []
    best = next((r for r in ranking if str(r.get("intent_response_key", "")).startswith(f"{topic}/")), None)
    if not best or best["intent_response_key"] == f"{topic}/{GENERAL}":
        return None
    return best["intent_response_key"] if best.get("confidence", 0) >= min_confidence else None


def format_question(qa: QuestionAnswer) -> str:
    """The answer first, then the law, figures and numbers it rests on, each with its citation."""
    parts = ["\n".join(qa.answer)]
    if qa.law:
        parts.append(format_law_facts(qa.law))
    if qa.figures:
        parts.append(format_figures(list(qa.figures)))
    if qa.hotlines:
        parts.append("\n".join(f"• {format_hotline(h)}" for h in qa.hotlines))
    return "\n".join(parts)
