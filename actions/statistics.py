"""Cited statistics: every figure comes from the store with its source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.repository import repository
from actions.tracker import latest_entity, user_text
from bot.knowledge.models import Statistic

# An overview across metrics shows this many lines and says how many more there are;
# the figures of one metric are always shown in full.
OVERVIEW_LINES = 6
NATIONAL = "全国"
QUANTITY_CUE = re.compile(r"多少|几[个起名人次条万亿]|数字|数据|数量|总共|一共")


@dataclass(frozen=True)
class FigureLine:
    """One line of the reply: a distinct figure with every source that prints it."""

    text: str
    metric: str
    quotes: frozenset[str]
    notes: tuple[str, ...]


def figure_lines(figures: list[Statistic]) -> list[FigureLine]:
    """Distinct figures in the given order; a figure printed by two sources cites both."""
    grouped: dict[tuple, tuple[str, list[str], set[str], list[str]]] = {}
    for f in figures:
        key = (f.period, f.scope, f.subject, f.value, f.unit)
        _metric, cites, quotes, notes = grouped.setdefault(key, (f.metric, [], set(), []))
        citation = str(f.citation).removeprefix("来源：")
        if citation not in cites:
            cites.append(citation)
        quotes.add(f.quote)
        if f.note and f.note not in notes:
            notes.append(f.note)
    return [
        FigureLine(
            f"• {period}，{scope}{subject}{value}{unit}（来源：{'；'.join(cites)}）",
            metric,
            frozenset(quotes),
            tuple(notes),
        )
        for (period, scope, subject, value, unit), (metric, cites, quotes, notes) in grouped.items()
    ]


def _shown(lines: list[FigureLine], limit: int | None) -> int:
    """How many lines fit in `limit`, never parting lines of one quote in one metric
    (嘉兴's 30多起 before and 10多起 after are read together)."""
    if limit is None or len(lines) <= limit:
        return len(lines)
    cut = limit
    while cut < len(lines) and lines[cut].metric == lines[cut - 1].metric and lines[cut].quotes & lines[cut - 1].quotes:
        cut += 1
    return cut


def format_figures(figures: list[Statistic], limit: int | None = None, labels: dict[str, str] | None = None) -> str:
    """Every figure, or the first `limit` lines and how many more there are and how to ask.

    A note (e.g. two sources giving one number for different periods) is said once.
    """
    lines = figure_lines(figures)
    cut = _shown(lines, limit)
    shown, rest = lines[:cut], lines[cut:]
    out = [line.text for line in shown]
    out += [f"注：{note}" for note in dict.fromkeys(n for line in shown for n in line.notes)]
    if rest:
        names = [n for n in dict.fromkeys((labels or {}).get(line.metric) for line in rest) if n]
        ask = "，比如：" + "；".join(names[:3]) if names else ""
        out.append(f"还有{len(rest)}条没列出，可以接着问我具体哪一项{ask}。")
    return "\n".join(out)


def _year(value: Any) -> int | None:
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
            dispatcher.utter_message(text=self._no_such_figure(labels))
            return []

        if metric_id:
            figures, limit = repository.figures(metric_id, year), None
        elif year is not None:
            # Every figure of that year, whoever counted it: each line states its scope.
            figures, limit = repository.figures(year=year), OVERVIEW_LINES
        else:
            figures, limit = repository.figures(scope=NATIONAL), OVERVIEW_LINES
        if figures:
            header = self._header(labels.get(metric_id), year)
            dispatcher.utter_message(text=f"{header}\n{format_figures(figures, limit, labels)}")
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
                else self._no_such_figure(labels)
            )
        return [
            SlotSet("stat_metric", metric_id),
            SlotSet("stat_year", str(year) if year is not None else None),
        ]

    @staticmethod
    def _header(label: str | None, year: int | None) -> str:
        if label and year is not None:
            return f"关于{year}年{label}，我的资料是这样写的："
        if label:
            return f"关于{label}，我的资料里有这些数字："
        if year is not None:
            return f"{year}年的主要数字："
        return "打击治理电信网络诈骗的主要数字："

    @staticmethod
    def _no_such_figure(labels: dict[str, str]) -> str:
        available = format_figures(repository.figures(scope=NATIONAL), OVERVIEW_LINES, labels)
        return (
            "抱歉，我的资料里没有这个数字，我不会乱估。我有的是这些：\n"
            f"{available}\n也可以问我某一年的破案数、抓获人数、拦截电话数等。"
        )
