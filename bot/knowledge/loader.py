"""Build the knowledge store from the versioned YAML files in data/knowledge/.

Run `python -m bot.knowledge.loader` (the Makefile does) to (re)build the
database named by `DATABASE_URL`, a SQLite file under var/ by default.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot import settings
from bot.knowledge.models import (
    Base,
    Guidance,
    Hotline,
    LawFact,
    MessageSignRow,
    Metric,
    Question,
    ScamTypeRow,
    Source,
    Statistic,
)

logger = logging.getLogger(__name__)


def read_yaml(directory: Path, name: str) -> list[dict[str, Any]]:
    """The list under the top-level key `name` of `directory/name.yml`."""
    with open(directory / f"{name}.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)[name] or []


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class KnowledgeDataError(ValueError):
    """The YAML files contradict themselves (e.g. a reference to a missing id)."""


def question_rows(
    entries: list[dict[str, Any]], law_ids: set[str], figure_ids: set[str], hotline_numbers: set[str]
) -> list[Question]:
    """Rows for questions.yml, refusing unknown references so a typo never reaches users."""
    out: list[Question] = []
    seen: set[str] = set()
    for i, q in enumerate(entries):
        key, topic = q["key"], q["topic"]
        where = f"questions.yml entry {key!r}"
        if key in seen:
            raise KnowledgeDataError(f"{where}: duplicate key")
        seen.add(key)
        if not key.startswith(f"{topic}/") or key.endswith("/general"):
            raise KnowledgeDataError(f"{where}: key must be {topic}/<question>, not /general")
        answer = q["answer"]
        lines = isinstance(answer, list) and all(isinstance(a, str) and a.strip() for a in answer)
        if not (answer and lines):
            raise KnowledgeDataError(f"{where}: answer must be a list of non-empty lines")
        refs = {field: [str(x) for x in q.get(field) or []] for field in ("law", "figures", "hotlines")}
        for field, known, file in (
            ("law", law_ids, "law.yml"),
            ("figures", figure_ids, "statistics.yml"),
            ("hotlines", hotline_numbers, "hotlines.yml"),
        ):
            missing = [x for x in refs[field] if x not in known]
            if missing:
                raise KnowledgeDataError(f"{where}: {field} {missing} not found in {file}")
        out.append(
            Question(key=key, position=i, topic=topic, question=q["question"], answer=answer,
                     law_ids=refs["law"], figure_ids=refs["figures"], hotline_numbers=refs["hotlines"])
        )
    return out


def rows(directory: Path) -> list[Base]:
    """All store rows described by the YAML files, in dependency order."""
    out: list[Base] = []
    for s in read_yaml(directory, "sources"):
        out.append(
            Source(id=s["id"], outlet=s["outlet"], title=s["title"],
                   date=_date(s["date"]), seed_file=s["seed_file"])
        )
    for i, m in enumerate(read_yaml(directory, "metrics")):
        out.append(Metric(id=m["id"], position=i, label=m["label"], keywords=m["keywords"]))
    for i, s in enumerate(read_yaml(directory, "statistics")):
        out.append(
            Statistic(
                id=s["id"], position=i, metric_id=s["metric"], subject=s["subject"],
                value=str(s["value"]), unit=s.get("unit") or "", period=s["period"],
                year=s.get("year"), scope=s["scope"], quote=s["quote"], source_id=s["source"],
                note=s.get("note"),
            )
        )
    for i, f in enumerate(read_yaml(directory, "law")):
        out.append(
            LawFact(
                id=f["id"], position=i, topic=f["topic"], keywords=f["keywords"],
                cues=f.get("cues") or [], statement=f["statement"], quote=f.get("quote"),
                source_id=f.get("source"), statute=f.get("statute"),
            )
        )
    for i, h in enumerate(read_yaml(directory, "hotlines")):
        out.append(
            Hotline(number=str(h["number"]), position=i, name=h["name"],
                    callable=bool(h["callable"]), essential=bool(h.get("essential")),
                    summary=h["summary"],
                    details=h.get("details") or [])
        )
    for g in read_yaml(directory, "guidance"):
        out.append(
            Guidance(topic=g["topic"], title=g["title"], intro=g["intro"],
                     steps=g["steps"], closing=g["closing"])
        )
    for i, t in enumerate(read_yaml(directory, "scam_types")):
        out.append(
            ScamTypeRow(id=t["id"], position=i, name=t["name"], aliases=t["aliases"],
                        keywords=t["keywords"], signs=t["signs"], advice=t["advice"],
                        message_signs=t.get("message_signs") or [],
                        generic_signs=t.get("generic_signs") or [])
        )
    for i, m in enumerate(read_yaml(directory, "message_signs")):
        out.append(
            MessageSignRow(id=m["id"], position=i, label=m["label"], why=m["why"],
                           advice=m.get("advice") or "", terms=m.get("terms") or {})
        )
    out.extend(
        question_rows(
            read_yaml(directory, "questions"),
            law_ids={r.id for r in out if isinstance(r, LawFact)},
            figure_ids={r.id for r in out if isinstance(r, Statistic)},
            hotline_numbers={r.number for r in out if isinstance(r, Hotline)},
        )
    )
    return out


def engine_for(url: str) -> Engine:
    """An engine for `url`, creating the folder of a SQLite file if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True)


def build(url: str | None = None, directory: Path = settings.KNOWLEDGE_DIR) -> int:
    """Recreate every table at `url` from `directory`; returns the number of rows."""
    new_rows = rows(directory)
    engine = engine_for(url or settings.database_url())
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        with Session(engine) as session, session.begin():
            session.add_all(new_rows)
    finally:
        engine.dispose()
    return len(new_rows)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    count = build()
    print(f"knowledge store: {count} rows -> {make_url(settings.database_url()).render_as_string(hide_password=True)}")
