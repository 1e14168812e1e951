"""Read access to the knowledge store: one method per question the bot answers.

The engine is created on first use, never at import, so importing the action
server does not touch the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import settings
from bot.knowledge import models
from bot.redflags import GenericSign
from bot.scam_types import ScamType


@dataclass(frozen=True)
class Citation:
    outlet: str
    date: str

    def __str__(self) -> str:
        return f"来源：{self.outlet}，{self.date}"


@dataclass(frozen=True)
class Figure:
    """A statistic as written in its source."""

    metric: str
    subject: str
    value: str
    unit: str
    period: str
    year: Optional[int]
    scope: str
    quote: str
    citation: Citation
    note: Optional[str] = None  # said once with the figure, e.g. when two sources disagree


@dataclass(frozen=True)
class MetricInfo:
    id: str
    label: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class LawFact:
    topic: str
    statement: str
    quote: Optional[str]
    citation: Optional[Citation]
    statute: Optional[str]


@dataclass(frozen=True)
class Hotline:
    number: str
    name: str
    callable: bool
    essential: bool
    summary: str
    details: tuple[str, ...]

    def mentioned_in(self, text: str) -> bool:
        """Whether `text` names this number or its organisation (e.g. 工商银行)."""
        full_name = self.name.removesuffix("客服").removesuffix("官方")
        # 中国工商银行 is also called 工商银行, but 中国银行 is never just 银行.
        short_name = full_name.removeprefix("中国")
        if len(short_name) <= 2:
            short_name = full_name
        named = re.search(rf"(?<!\d){re.escape(self.number)}(?!\d)", text)
        return bool(named) or short_name in text


@dataclass(frozen=True)
class Guidance:
    topic: str
    title: str
    intro: str
    steps: tuple[str, ...]
    closing: str


@dataclass(frozen=True)
class QuestionAnswer:
    """The answer to one specific question, with the facts it rests on.

    `answer` lines come first; each law fact and figure carries its own citation
    (or statute), so whoever renders the reply can quote them verbatim.
    """

    key: str
    topic: str
    question: str
    answer: tuple[str, ...]
    law: tuple[LawFact, ...]
    figures: tuple[Figure, ...]
    hotlines: tuple[Hotline, ...]


def _citation(source: Optional[models.Source]) -> Optional[Citation]:
    return Citation(source.outlet, source.date.isoformat()) if source else None


def _figure(r: models.Statistic) -> Figure:
    return Figure(r.metric_id, r.subject, r.value, r.unit, r.period, r.year, r.scope, r.quote,
                  _citation(r.source), r.note)


def _law_fact(r: models.LawFact) -> LawFact:
    return LawFact(r.topic, r.statement, r.quote, _citation(r.source), r.statute)


def _hotline(r: models.Hotline) -> Hotline:
    return Hotline(r.number, r.name, r.callable, r.essential, r.summary, tuple(r.details))


def _lookup(session: Session, column, ids: set[str], convert) -> dict:
    """Rows whose `column` is in `ids`, converted, keyed by that column."""
    rows = session.execute(select(column.class_).where(column.in_(ids))).unique().scalars()
    return {getattr(r, column.key): convert(r) for r in rows}


def _score(text: str, keywords: Sequence[str]) -> int:
    """Total length of the keywords found in `text` (longer matches weigh more)."""
    return sum(len(k) for k in keywords if k and k in text)


class KnowledgeRepository:
    """Answers questions from the knowledge store at `url` (default: settings)."""

    def __init__(self, url: Optional[str] = None) -> None:
        self._url = url
        self._engine: Optional[Engine] = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from bot.knowledge.loader import engine_for

            self._engine = engine_for(self._url or settings.database_url())
        return self._engine

    def dispose(self) -> None:
        """Close pooled connections (tests, shutdown)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _all(self, statement):
        with Session(self.engine) as session:
            return session.execute(statement).unique().scalars().all()

    def metrics(self) -> list[MetricInfo]:
        """Every metric, in the order of data/knowledge/metrics.yml."""
        rows = self._all(select(models.Metric).order_by(models.Metric.position))
        return [MetricInfo(r.id, r.label, tuple(r.keywords)) for r in rows]

    def metric_in(self, text: str) -> Optional[MetricInfo]:
        """The metric whose keywords best match `text`, if any matches."""
        best = max(self.metrics(), key=lambda m: _score(text, m.keywords), default=None)
        return best if best and _score(text, best.keywords) else None

    def figures(
        self, metric: Optional[str] = None, year: Optional[int] = None, scope: Optional[str] = None
    ) -> list[Figure]:
        """Statistics filtered by metric id, year and scope, in metric then file order."""
        statement = (
            select(models.Statistic)
            .join(models.Metric, models.Statistic.metric_id == models.Metric.id)
            .order_by(models.Metric.position, models.Statistic.position)
        )
        if metric:
            statement = statement.where(models.Statistic.metric_id == metric)
        if year is not None:
            statement = statement.where(models.Statistic.year == year)
        if scope is not None:
            statement = statement.where(models.Statistic.scope == scope)
        return [_figure(r) for r in self._all(statement)]

    def years(self) -> list[int]:
        """Years that have at least one figure, ascending."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(models.Statistic.year).where(models.Statistic.year.is_not(None)).distinct()
            )
            return sorted(y for (y,) in rows)

    def law_facts(self, text: str, limit: int = 3) -> list[LawFact]:
        """Law facts whose keywords match `text`, best first.

        A fact whose cues also match (e.g. 判几年 for the statutory penalty) answers the
        question asked, so it outranks facts that only share the topic.
        """
        rows = self._all(select(models.LawFact).order_by(models.LawFact.position))
        scored = []
        for r in rows:
            topical = _score(text, r.keywords)
            if topical:
                scored.append((_score(text, r.cues or ()), topical, r.position, r))
        scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
        return [_law_fact(r) for *_, r in scored[:limit]]

    def hotlines(self) -> list[Hotline]:
        """All hotlines in file order, the essential ones (110, 96110, 12381) first."""
        rows = self._all(select(models.Hotline).order_by(models.Hotline.position))
        return [_hotline(r) for r in rows]

    def guidance(self, topic: str) -> Optional[Guidance]:
        """The ordered guidance for one of the core topics."""
        with Session(self.engine) as session:
            r = session.get(models.Guidance, topic)
            return Guidance(r.topic, r.title, r.intro, tuple(r.steps), r.closing) if r else None

    def scam_types(self) -> list[ScamType]:
        """Every scam type with its signs, advice and the signs that find it in a pasted message."""
        rows = self._all(select(models.ScamTypeRow).order_by(models.ScamTypeRow.position))
        columns = ("id", "name", "aliases", "keywords", "signs", "advice", "message_signs", "generic_signs")
        return [ScamType.from_entry({c: getattr(r, c) for c in columns}) for r in rows]

    def message_signs(self) -> tuple[GenericSign, ...]:
        """The generic warning signs of a pasted message, in file order (for `bot.message_check.analyze`)."""
        rows = self._all(select(models.MessageSignRow).order_by(models.MessageSignRow.position))
        return tuple(
            GenericSign.from_entry({"id": r.id, "label": r.label, "why": r.why, "advice": r.advice, "terms": r.terms})
            for r in rows
        )

    def question(self, key: str) -> Optional[QuestionAnswer]:
        """The answer for a retrieval key such as `lost_money/evidence_materials`, if stored."""
        found = self._questions(select(models.Question).where(models.Question.key == key))
        return found[0] if found else None

    def questions(self, topic: Optional[str] = None) -> list[QuestionAnswer]:
        """Every specific question (of one core topic, if given), in file order."""
        statement = select(models.Question).order_by(models.Question.position)
        if topic is not None:
            statement = statement.where(models.Question.topic == topic)
        return self._questions(statement)

    def _questions(self, statement) -> list[QuestionAnswer]:
        """Questions with their referenced facts resolved in one session, in listed order."""
        with Session(self.engine) as session:
            rows = session.execute(statement).scalars().all()
            law = _lookup(session, models.LawFact.id, {i for q in rows for i in q.law_ids}, _law_fact)
            figures = _lookup(
                session, models.Statistic.id, {i for q in rows for i in q.figure_ids}, _figure
            )
            hotlines = _lookup(
                session, models.Hotline.number, {n for q in rows for n in q.hotline_numbers}, _hotline
            )
            return [
                QuestionAnswer(
                    q.key, q.topic, q.question, tuple(q.answer),
                    tuple(law[i] for i in q.law_ids),
                    tuple(figures[i] for i in q.figure_ids),
                    tuple(hotlines[n] for n in q.hotline_numbers),
                )
                for q in rows
            ]
