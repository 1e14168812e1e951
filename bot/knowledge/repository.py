"""Read access to the knowledge store: one method per question the bot answers.

The engine is created on first use, never at import, so importing the action
server does not touch the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot import settings
from bot.knowledge.models import (
    Entry,
    GenericSign,
    Guidance,
    Hotline,
    LawFact,
    Metric,
    Question,
    QuestionAnswer,
    Quoted,
    ScamType,
    Source,
    Statistic,
)
from bot.knowledge.tables import TABLES


def _restored(model: type[BaseModel], data: Mapping[str, Any]) -> Any:
    """A model from what the store keeps, without validating it again (the loader did): lists
    back to tuples, nested entries back to models. Validating every row on every read would
    cost a turn several times the query."""
    values = {}
    for name, field in model.__fields__.items():
        value = data[name]
        if isinstance(value, list):
            nested = field.type_ if isinstance(field.type_, type) and issubclass(field.type_, BaseModel) else None
            value = tuple(_restored(nested, v) if nested else v for v in value)
        elif isinstance(value, dict):
            value = {key: tuple(v) if isinstance(v, list) else v for key, v in value.items()}
        values[name] = value
    return model.construct(**values)


def _score(text: str, keywords: Sequence[str]) -> int:
    """Total length of the keywords found in `text` (longer matches weigh more)."""
    return sum(len(k) for k in keywords if k and k in text)


class KnowledgeRepository:
    """Answers questions from the knowledge store at `url` (default: settings)."""

    def __init__(self, url: str | None = None) -> None:
        self._url = url
        self._engine: Engine | None = None

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

    def _entries(self, model: type[Entry], *where, order=()) -> list:
        """Entries of `model` matching `where`, in `order` then file order, as models."""
        table = TABLES[model]
        statement = select(table).where(*where).order_by(*order, table.c.position)
        with self.engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        return [_restored(model, row) for row in rows]

    def _cited(self, entries: list) -> list:
        """Quoted entries with their sources attached as citations."""
        sources = {s.id: s for s in self._entries(Source)} if entries else {}
        return [entry.cited(sources) for entry in entries]

    def metrics(self) -> list[Metric]:
        """Every metric, in the order of data/knowledge/metrics.yml."""
        return self._entries(Metric)

    def metric_in(self, text: str) -> Metric | None:
        """The metric whose keywords best match `text`, if any matches."""
        best = max(self.metrics(), key=lambda m: _score(text, m.keywords), default=None)
        return best if best and _score(text, best.keywords) else None

    def figures(self, metric: str | None = None, year: int | None = None, scope: str | None = None) -> list[Statistic]:
        """Statistics filtered by metric id, year and scope, in metric then file order, with citations."""
        statistics, metrics = TABLES[Statistic].c, TABLES[Metric].c
        metric_position = select(metrics.position).where(metrics.id == statistics.metric).scalar_subquery()
        where = [
            condition
            for condition, wanted in (
                (statistics.metric == metric, metric),
                (statistics.year == year, year is not None),
                (statistics.scope == scope, scope is not None),
            )
            if wanted
        ]
        return self._cited(self._entries(Statistic, *where, order=(metric_position,)))

    def years(self) -> list[int]:
        """Years that have at least one figure, ascending."""
        year = TABLES[Statistic].c.year
        with self.engine.connect() as connection:
            rows = connection.execute(select(year).where(year.is_not(None)).distinct())
            return sorted(y for (y,) in rows)

    def law_facts(self, text: str, limit: int = 3) -> list[LawFact]:
        """Law facts whose keywords match `text`, best first, with citations.

        A fact whose cues also match (e.g. 判几年 for the statutory penalty) answers the
        question asked, so it outranks facts that only share the topic.
        """
        scored = []
        for position, fact in enumerate(self._entries(LawFact)):
            topical = _score(text, fact.keywords)
            if topical:
                scored.append((_score(text, fact.cues), topical, position, fact))
        scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
        return self._cited([fact for *_, fact in scored[:limit]])

    def law_facts_answering(self, text: str) -> list[LawFact]:
        """The law facts of `law_facts` that answer the question in `text` itself (a cue matches too)."""
        return [fact for fact in self.law_facts(text) if _score(text, fact.cues)]

    def hotlines(self) -> list[Hotline]:
        """All hotlines in file order, the essential ones (110, 96110, 12381) first."""
        return self._entries(Hotline)

    def guidance(self, topic: str) -> Guidance | None:
        """The ordered guidance for a core topic or a part of the lost-money checklist."""
        found = self._entries(Guidance, TABLES[Guidance].c.topic == topic)
        return found[0] if found else None

    def payment_guidance(self, channel: str | None) -> Guidance:
        """The lost-money checklist's part for a payment channel: the `loss_channel_*` guidance
        titled with the channel's NLU name (data/nlu/entities.yml), else the part for other ways."""
        part = TABLES[Guidance].c
        found = self._entries(Guidance, part.topic.startswith("loss_channel_", autoescape=True), part.title == channel)
        return found[0] if found else self.guidance("loss_channel_other")

    def scam_types(self) -> list[ScamType]:
        """Every scam type with its signs, advice and the signs that find it in a pasted message."""
        return self._entries(ScamType)

    def message_signs(self) -> tuple[GenericSign, ...]:
        """The generic warning signs of a pasted message, in file order (for `bot.text.message_check.analyze`)."""
        return tuple(self._entries(GenericSign))

    def question(self, key: str) -> QuestionAnswer | None:
        """The answer for a retrieval key such as `lost_money/evidence_materials`, if stored."""
        found = self._answers(self._entries(Question, TABLES[Question].c.key == key))
        return found[0] if found else None

    def questions(self, topic: str | None = None) -> list[QuestionAnswer]:
        """Every specific question (of one core topic, if given), in file order."""
        where = [TABLES[Question].c.topic == topic] if topic is not None else []
        return self._answers(self._entries(Question, *where))

    def _answers(self, questions: list[Question]) -> list[QuestionAnswer]:
        """Questions with the law facts, figures and hotlines they reference, in listed order."""
        if not questions:
            return []
        law = self._referenced(LawFact, {i for q in questions for i in q.law})
        figures = self._referenced(Statistic, {i for q in questions for i in q.figures})
        hotlines = self._referenced(Hotline, {n for q in questions for n in q.hotlines})
        return [
            QuestionAnswer(
                **q.dict(exclude={"law", "figures", "hotlines"}),
                law=tuple(law[i] for i in q.law),
                figures=tuple(figures[i] for i in q.figures),
                hotlines=tuple(hotlines[n] for n in q.hotlines),
            )
            for q in questions
        ]

    def _referenced(self, model: type[Entry], names: set[str]) -> dict:
        """Entries of `model` named in `names`, keyed by name, quoted ones with citations."""
        if not names:
            return {}
        found = self._entries(model, TABLES[model].c[model.named_by].in_(names))
        if issubclass(model, Quoted):
            found = self._cited(found)
        return {getattr(e, model.named_by): e for e in found}
