"""The lost-money walk-through: urgent first line, four skippable questions, a checklist."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.guidance import format_guidance
from actions.store import numbered_lines, repository
from bot import loss_report
from bot.privacy import redact

FORM_SLOTS = ("loss_time", "loss_channel", "loss_amount", "loss_reported")
NOT_SAID = loss_report.NOT_SAID


def _clean(text: Any, limit: int = 30) -> str:
    """A slot value safe to repeat back: redacted and short."""
    return redact(str(text or "")).text.strip()[:limit] or NOT_SAID


class ActionLostMoneyUrgent(Action):
    """Say the one thing that cannot wait, then announce the questions."""

    def name(self) -> str:
        return "action_lost_money_urgent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        guidance = repository.guidance("lost_money")
        dispatcher.utter_message(
            text=f"{guidance.intro}\n最要紧的一步：{guidance.steps[0]}\n{guidance.closing}"
        )
        dispatcher.utter_message(
            text="打完电话，我再问您几个简单问题，帮您理清下一步。"
            "不想答的可以说“跳过”，说“算了”就不问了。"
        )
        return []


class ValidateLostMoneyForm(FormValidationAction):
    """Turn free-text answers into short slot values; "跳过" skips, "算了" ends the form."""

    def name(self) -> str:
        return "validate_lost_money_form"

    @staticmethod
    def _answer(slot: str, value: Any, parse) -> dict:
        text = str(value or "")
        if loss_report.is_stop(text):
            return {**{s: NOT_SAID for s in FORM_SLOTS}, "loss_stopped": True}
        return {slot: NOT_SAID if loss_report.is_skip(text) else parse(text)}

    def validate_loss_time(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._answer("loss_time", value, _clean)

    def validate_loss_channel(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._answer("loss_channel", value, lambda t: _clean(loss_report.channel(t)[1]))

    def validate_loss_amount(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._answer("loss_amount", value, lambda t: _clean(loss_report.amount(t) or t, 20))

    def validate_loss_reported(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._answer("loss_reported", value, lambda t: loss_report.reported(t) or NOT_SAID)


def checklist(slots: dict[str, Any]) -> str:
    """Ordered steps for this case, then a copyable summary for the police report."""
    time_answer, channel_answer = slots.get("loss_time") or "", slots.get("loss_channel") or ""
    first = "loss_reported" if slots.get("loss_reported") == loss_report.REPORTED else (
        loss_report.time_topic(time_answer)
    )
    topics = [first, loss_report.channel(channel_answer)[0], "loss_follow_up"]
    parts = [repository.guidance(topic) for topic in topics]
    steps = [step for part in parts for step in part.steps]
    lead = "".join(part.intro for part in parts[:1])
    summary = "\n".join(
        [
            "【报案材料清单】（可以复制下来，报案时用）",
            f"发生时间：{_clean(time_answer)}",
            f"转账方式：{_clean(channel_answer)}",
            f"涉及金额：{_clean(slots.get('loss_amount'), 20)}",
            f"是否已报警：{_clean(slots.get('loss_reported'))}",
            "请带上：身份证、转账记录截图、聊天记录、对方的电话/账号/链接。",
            "注意：银行卡密码和验证码不要写进材料，也不要告诉任何人。",
        ]
    )
    return f"{lead}请按这个顺序做：\n{numbered_lines(steps)}\n\n{summary}"


class ActionLostMoneyChecklist(Action):
    """Give the case's checklist (or the general steps if the user stopped), then reset."""

    def name(self) -> str:
        return "action_lost_money_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        if tracker.get_slot("loss_stopped"):
            general = format_guidance(repository.guidance("lost_money"))
            dispatcher.utter_message(text=f"好的，先不问了。记住这几步：\n{general}")
        else:
            dispatcher.utter_message(text=checklist({s: tracker.get_slot(s) for s in FORM_SLOTS}))
        return [SlotSet(slot, None) for slot in (*FORM_SLOTS, "loss_stopped")]
