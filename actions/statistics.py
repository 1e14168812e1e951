"""Cited statistics: every figure comes from the store with its source."""

from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.store import latest_entity, repository, user_text
from bot.knowledge.repository import Figure

MAX_FIGURES = 4
NATIONAL = "全国"
QUANTITY_CUE = re.compile(r"多少|几[个起名人次条万亿]|数字|数据|数量|总共|一共")


def format_figures(figures: list[Figure]) -> str:
    """One line per distinct figure; a figure printed by two sources cites both."""
    grouped: dict[tuple, list[str]] = {}
    for f in figures:
        key = (f.period, f.scope, f.subject, f.value, f.unit)
        citation = str(f.citation).removeprefix("来源：")
        grouped.setdefault(key, [])
        if citation not in grouped[key]:
            grouped[key].append(citation)
    lines = [
        f"• {period}，{scope}{subject}{value}{unit}（来源：{'；'.join(cites)}）"
        for (period, scope, subject, value, unit), cites in grouped.items()
    ]
    return "\n".join(lines[:MAX_FIGURES])


def _year(value: Any) -> Optional[int]:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


class ActionAnswerStatistics(Action):
    """Answer a question about the campaign's figures, keeping year and metric as context."""

    def name(self) -> str:
        return "action_answer_statistics"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        text = user_text(tracker)
        named_metric = repository.metric_in(text)
        named_year = _year(latest_entity(tracker, "year"))
        metric_id = named_metric.id if named_metric else tracker.get_slot("stat_metric")
        year = named_year if named_year is not None else _year(tracker.get_slot("stat_year"))
        labels = {m.id: m.label for m in repository.metrics()}

        if metric_id is None and QUANTITY_CUE.search(text) and named_year is None:
            dispatcher.utter_message(text=self._no_such_figure(repository.figures(scope=NATIONAL)))
            return []

        # Without a metric, a year or vague question gets the national headline figures.
        figures = repository.figures(metric_id, year, scope=None if metric_id else NATIONAL)
        if figures:
            header = self._header(labels.get(metric_id), year)
            dispatcher.utter_message(text=f"{header}\n{format_figures(figures)}")
        elif metric_id and year is not None:
            others = repository.figures(metric_id)
            reply = f"我的资料里没有{year}年{labels[metric_id]}的数字。"
            if others:
                reply += f"\n我有的是这些：\n{format_figures(others)}"
            dispatcher.utter_message(text=reply)
        else:
            known = "、".join(f"{y}年" for y in repository.years())
            dispatcher.utter_message(
                text=f"我的资料里没有{year}年的数字，目前只有{known}的。"
                if year is not None
                else self._no_such_figure(repository.figures(scope=NATIONAL))
            )
        return [
            SlotSet("stat_metric", metric_id),
            SlotSet("stat_year", str(year) if year is not None else None),
        ]

    @staticmethod
    def _header(label: Optional[str], year: Optional[int]) -> str:
        if label and year is not None:
            return f"关于{year}年{label}，我的资料是这样写的："
        if label:
            return f"关于{label}，我的资料里有这些数字："
        if year is not None:
            return f"{year}年的主要数字："
        return "打击治理电信网络诈骗的主要数字："

    @staticmethod
    def _no_such_figure(available: list[Figure]) -> str:
        return (
            "抱歉，我的资料里没有这个数字，我不会乱估。我有的是这些：\n"
            f"{format_figures(available)}\n也可以问我某一年的破案数、抓获人数、拦截电话数等。"
        )
