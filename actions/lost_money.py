"""Money lost: the urgent line or the specific question's answer, a walk-through that listens, a checklist."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guidance import format_guidance
from actions.questions import asked_question, format_question
from actions.repository import repository
from actions.tracker import latest_entity, latest_intent, user_text
from bot.knowledge.models import Guidance
from bot.replies import loss_report
from bot.replies.lists import numbered_lines
from bot.text.handover import handed_over
from bot.text.privacy import redact

TOPIC = "lost_money"
SUMMARY = "loss_report_summary"  # the guidance part that frames the report summary
FORM_SLOTS = ("loss_time", "loss_channel", "loss_amount", "loss_reported")
NOT_SAID = loss_report.NOT_SAID
# Intents whose message is a question or remark of its own, never an answer to the walk-through.
NOT_ANSWERS = frozenset(
    {
        "ask_hotline", "ask_law", "ask_scam_type", "ask_statistics", "bot_challenge", "selling_card",
        "app_verification", "suspected_scam_call", "greet", "thank", "goodbye", "out_of_scope", "stop",
    }
)  # fmt: skip
YES_NO = frozenset({"affirm", "deny"})
WALK_THROUGH_OFFER = {"title": "一步步帮我理清", "payload": "/lost_money"}


def _clean(text: Any, limit: int = 30) -> str:
    """A slot value safe to repeat back: redacted and short."""
    return redact(str(text or "")).text.strip()[:limit] or NOT_SAID


def _urgent_line(guidance: Guidance) -> str:
    return f"最要紧的一步：{guidance.steps[0]}"


class ActionAnswerLostMoney(Action):
    """A specific question gets its answer and an offer of the walk-through; a story gets the urgent line.

    Sets `specific_question`, which the rules use to start the walk-through or wait.
    """

    def name(self) -> str:
        return "action_answer_lost_money"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        text = user_text(tracker)
        guidance = repository.guidance(TOPIC)
        key = asked_question(tracker, TOPIC)
        answer = repository.question(key) if key else None
        if answer:
            urgent = f"{_urgent_line(guidance)}\n\n" if handed_over(text) else ""
            dispatcher.utter_message(text=urgent + format_question(answer))
            if not tracker.active_loop_name:
                dispatcher.utter_message(
                    text="需要的话，我可以一步步帮您理清下一步该做什么。", buttons=[WALK_THROUGH_OFFER]
                )
            return [SlotSet("specific_question", True)]
        if tracker.active_loop_name:
            # The urgent line was given when the walk-through started; the form asks on.
            return [SlotSet("specific_question", False)]
        # The reply says it happened only where the person did, in words or with the "已经被骗、转了钱" button
        # (a payload, no text): a story the classifier alone reads as a loss hears the same steps under an "if".
        said = handed_over(text) or not text
        intro = guidance.intro if said else guidance.intro_unconfirmed or guidance.intro
        dispatcher.utter_message(text=f"{intro}\n{_urgent_line(guidance)}\n{guidance.closing}")
        dispatcher.utter_message(
            text="打完电话，我再问您几个简单问题，帮您理清下一步；已经说过的不会再问。"
            "不想答的可以说“跳过”，说“算了”就不问了。"
        )
        return [SlotSet("specific_question", False)]


class ValidateLostMoneyForm(FormValidationAction):
    """Fill the walk-through's slots from any message, in any order, never asking twice.

    Entities (when, payment_channel, amount) and words about reporting fill whichever
    slot they belong to; the rest of a message is taken as the answer to the question
    just asked only when the message fills nothing else and is not a question or remark
    of its own. "跳过" or "不知道" skips the question asked.
    """

    def name(self) -> str:
        return "validate_lost_money_form"

    @staticmethod
    def _free_text(tracker: Tracker, slot: str) -> str | None:
        """The message as an answer to `slot`, if `slot` was just asked and the message is one."""
        if tracker.get_slot("requested_slot") != slot:
            return None
        text = user_text(tracker)
        intent = latest_intent(tracker)
        if not text or loss_report.is_stop(text):
            return None
        if loss_report.is_skip(text):
            return NOT_SAID  # "跳过", "不知道": whatever the classifier made of them
        if slot == "loss_amount" and loss_report.is_bare_amount(text):
            return text
        if intent in NOT_ANSWERS:
            return None
        if intent in YES_NO and slot != "loss_reported":
            return None
        other_entities = {e.get("entity") for e in tracker.latest_message.get("entities") or []}
        if other_entities & {"when", "amount", "payment_channel"}:
            return None  # it answered another question; this one is asked again
        return text

    def _from_entity(self, tracker: Tracker, slot: str, entity: str) -> dict:
        """`slot` from the message's `entity`, or from the message itself when `slot` was asked."""
        if tracker.get_slot(slot) is not None:
            return {}
        value = latest_entity(tracker, entity) or self._free_text(tracker, slot)
        return {slot: value} if value else {}

    async def extract_loss_time(self, dispatcher, tracker: Tracker, domain) -> dict:
        return self._from_entity(tracker, "loss_time", "when")

    async def extract_loss_channel(self, dispatcher, tracker: Tracker, domain) -> dict:
        return self._from_entity(tracker, "loss_channel", "payment_channel")

    async def extract_loss_amount(self, dispatcher, tracker: Tracker, domain) -> dict:
        return self._from_entity(tracker, "loss_amount", "amount")

    async def extract_loss_reported(self, dispatcher, tracker: Tracker, domain) -> dict:
        if tracker.get_slot("loss_reported") is not None:
            return {}
        value = loss_report.said_reported(user_text(tracker)) or self._free_text(tracker, "loss_reported")
        return {"loss_reported": value} if value else {}

    def validate_loss_time(self, value: Any, dispatcher, tracker, domain) -> dict:
        return {"loss_time": _clean(value)}

    def validate_loss_channel(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value == NOT_SAID:
            return {"loss_channel": NOT_SAID}
        return {"loss_channel": _clean(loss_report.channel(str(value)) or str(value).strip()[:20])}

    def validate_loss_amount(self, value: Any, dispatcher, tracker, domain) -> dict:
        return {"loss_amount": _clean(value, 20)}

    def validate_loss_reported(self, value: Any, dispatcher, tracker, domain) -> dict:
        if value in (NOT_SAID, loss_report.REPORTED, loss_report.NOT_REPORTED):
            return {"loss_reported": value}
        return {"loss_reported": loss_report.reported(str(value)) or NOT_SAID}


def checklist(slots: dict[str, Any]) -> str:
    """Ordered steps for this case, then a copyable summary for the police report."""
    time_answer, channel_answer = slots.get("loss_time") or "", slots.get("loss_channel") or ""
    first = (
        "loss_reported" if slots.get("loss_reported") == loss_report.REPORTED else (loss_report.time_topic(time_answer))
    )
    parts = [
        repository.guidance(first),
        repository.payment_guidance(loss_report.channel(channel_answer)),
        repository.guidance("loss_follow_up"),
    ]
    steps = [step for part in parts for step in part.steps]
    lead = "".join(part.intro for part in parts[:1])
    return f"{lead}请按这个顺序做：\n{numbered_lines(steps)}\n\n{report_summary(slots)}"


def report_summary(slots: dict[str, Any]) -> str:
    """What the user told the walk-through, as a copyable list for the police report, with what to bring."""
    summary = repository.guidance(SUMMARY)
    told = [
        f"发生时间：{_clean(slots.get('loss_time'))}",
        f"转账方式：{_clean(slots.get('loss_channel'))}",
        f"涉及金额：{_clean(slots.get('loss_amount'), 20)}",
        f"是否已报警：{_clean(slots.get('loss_reported'))}",
    ]
    return "\n".join(line for line in (summary.intro, *told, *summary.steps, summary.closing) if line)


class ActionLostMoneyChecklist(Action):
    """The case's checklist; if the user stopped midway, the key steps and what they did tell. Then reset."""

    def name(self) -> str:
        return "action_lost_money_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        slots = {s: tracker.get_slot(s) for s in FORM_SLOTS}
        if any(value is None for value in slots.values()):
            reply = f"好的，先不问了。记住这几步：\n{format_guidance(repository.guidance(TOPIC))}"
            if any(value not in (None, NOT_SAID) for value in slots.values()):
                reply += f"\n\n{report_summary(slots)}"
            dispatcher.utter_message(text=reply)
        else:
            dispatcher.utter_message(text=checklist(slots))
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
