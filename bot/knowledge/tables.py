"""The store's SQL tables, derived from the models so the format is written down once.

One table per file of data/knowledge/, one column per field plus `position` (the
entry's place in its file): text, numbers, booleans and dates as SQL columns, lists,
mappings and nested entries as JSON. The tables keep their historical names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args, get_origin

from pydantic.fields import SHAPE_SINGLETON, ModelField
from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, MetaData, Table, Text

from bot.knowledge.models import MODELS, Entry, LawFact

metadata = MetaData()

_TABLE_NAMES = {LawFact: "law_facts"}
_SQL_TYPES = ((bool, Boolean), (int, Integer), (dt.date, Date), (str, Text))


def _sql_type(field: ModelField) -> Any:
    python_type = field.type_
    if get_origin(python_type) is Literal:
        python_type = type(get_args(python_type)[0])
    if field.shape == SHAPE_SINGLETON and isinstance(python_type, type):
        for known, sql_type in _SQL_TYPES:
            if issubclass(python_type, known):
                return sql_type
    return JSON


def _name(model: type[Entry]) -> str:
    return _TABLE_NAMES.get(model, model.file)


def _column(model: type[Entry], field: ModelField) -> Column:
    sql_type = _sql_type(field)
    foreign = []
    if field.name in model.references and sql_type is Text:
        target = next(m for m in MODELS if m.file == model.references[field.name])
        foreign.append(ForeignKey(f"{_name(target)}.{target.named_by}"))
    return Column(
        field.name,
        sql_type,
        *foreign,
        primary_key=field.name == model.named_by,
        nullable=field.allow_none,
        index=field.name in model.indexed,
    )


def _table(model: type[Entry]) -> Table:
    columns = [_column(model, field) for field in model.__fields__.values()]
    return Table(_name(model), metadata, *columns, Column("position", Integer, nullable=False))


TABLES: dict[type[Entry], Table] = {model: _table(model) for model in MODELS}
