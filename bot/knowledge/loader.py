"""Build the knowledge store from the versioned YAML files in data/knowledge/.

Run `python -m bot.knowledge.loader` (the Makefile does) to (re)build the
database named by `DATABASE_URL`, a SQLite file under var/ by default. Every
entry is validated with its model (`bot.knowledge.models`) first: bad data stops
the build with an error naming the file, the entry and the field.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url

from bot import settings
from bot.knowledge.models import MODELS, Entry, GenericSign, Question, ScamType
from bot.knowledge.tables import TABLES, metadata
from bot.text.redflags import detector_ids

#: yaml.safe_load's loader, in C when PyYAML was built with libyaml (five times faster on data/knowledge/).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

logger = logging.getLogger(__name__)

#: Validated entries per model, each list in file order.
Knowledge = dict[type[Entry], list[Entry]]


class KnowledgeDataError(ValueError):
    """A file in data/knowledge/ is malformed or contradicts another (e.g. a reference to a missing id)."""


def _where(model: type[Entry], index: int, name: Any = None) -> str:
    """How an error names an entry: its place in its file, and its id when it has one."""
    return f"{model.file}.yml entry {index + 1}" + (f" ({name!r})" if name is not None else "")


def _problem(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"] if part != "__root__")
    message = "must not be blank" if error["type"] == "value_error.str.regex" else error["msg"]
    return f"field {field!r}: {message}" if field else message


def read_file(path: Path, model: type[Entry]) -> list:
    """The entries of the YAML file `path` (one of data/knowledge/), validated with `model`."""
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as e:
        raise KnowledgeDataError(f"{path.name}: {e}") from e
    if not isinstance(data, dict) or list(data) != [model.file] or not isinstance(data[model.file], list):
        raise KnowledgeDataError(f"{path.name}: needs one top-level key {model.file!r} holding a list")
    entries = []
    for index, raw in enumerate(data[model.file]):
        try:
            entries.append(model.parse_obj(raw))
        except ValidationError as e:
            problems = "; ".join(_problem(error) for error in e.errors())
            name = raw.get(model.named_by) if isinstance(raw, dict) else None
            raise KnowledgeDataError(f"{_where(model, index, name)}: {problems}") from None
    return entries


def _check_names_and_references(knowledge: Knowledge) -> None:
    names = {model: [getattr(e, model.named_by) for e in knowledge[model]] for model in MODELS}
    for model in MODELS:
        seen: set[str] = set()
        for index, (name, entry) in enumerate(zip(names[model], knowledge[model], strict=True)):
            if name in seen:
                raise KnowledgeDataError(f"{_where(model, index, name)}: duplicate {model.named_by}")
            seen.add(name)
            for field, file in model.references.items():
                known = names[next(m for m in MODELS if m.file == file)]
                value = getattr(entry, field)
                missing = [v for v in ((value,) if isinstance(value, str) else value or ()) if v not in known]
                if missing:
                    shown = missing[0] if isinstance(value, str) else missing
                    raise KnowledgeDataError(f"{_where(model, index, name)}: {field} {shown!r} not found in {file}.yml")


def _check_question_keys(questions: list[Question]) -> None:
    for index, q in enumerate(questions):
        if not q.key.startswith(f"{q.topic}/") or q.key.endswith("/general"):
            raise KnowledgeDataError(
                f"{_where(Question, index, q.key)}: key must be {q.topic}/<question>, not /general"
            )


def _check_signs(generic: list[GenericSign], families: list[ScamType]) -> None:
    """Every generic sign has a detector; every sign id is used once across both files."""
    for index, sign in enumerate(generic):
        if sign.id not in detector_ids():
            raise KnowledgeDataError(
                f"{_where(GenericSign, index, sign.id)}: no detector {sign.id!r} in bot/text/redflags.py"
            )
    seen = {sign.id for sign in generic}
    for index, family in enumerate(families):
        for sign in family.message_signs:
            if sign.id in seen:
                raise KnowledgeDataError(
                    f"{_where(ScamType, index, family.id)}: message sign id {sign.id!r} is used twice"
                )
            seen.add(sign.id)


def read(directory: Path = settings.KNOWLEDGE_DIR) -> Knowledge:
    """Every file of `directory`, validated entry by entry and against each other."""
    knowledge = {model: read_file(directory / f"{model.file}.yml", model) for model in MODELS}
    _check_signs(knowledge[GenericSign], knowledge[ScamType])
    _check_names_and_references(knowledge)
    _check_question_keys(knowledge[Question])
    return knowledge


def engine_for(url: str) -> Engine:
    """An engine for `url`, creating the folder of a SQLite file if needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True)


def build(url: str | None = None, directory: Path = settings.KNOWLEDGE_DIR) -> int:
    """Recreate every table at `url` from `directory`; returns the number of entries stored."""
    knowledge = read(directory)
    engine = engine_for(url or settings.database_url())
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as connection:
            for model, entries in knowledge.items():
                rows = [{**entry.dict(), "position": i} for i, entry in enumerate(entries)]
                if rows:
                    connection.execute(TABLES[model].insert(), rows)
    finally:
        engine.dispose()
    return sum(len(entries) for entries in knowledge.values())


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    try:
        count = build()
    except KnowledgeDataError as e:
        raise SystemExit(f"knowledge data: {e}") from None
    print(
        f"knowledge store: {count} entries -> {make_url(settings.database_url()).render_as_string(hide_password=True)}"
    )
