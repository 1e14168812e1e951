"""SQLAlchemy tables of the knowledge store."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Source(Base):
    """A press report the figures are quoted from."""

    __tablename__ = "sources"

    id = Column(String(64), primary_key=True)
    outlet = Column(String(128), nullable=False)
    title = Column(Text, nullable=False)
    date = Column(Date, nullable=False)
    seed_file = Column(String(128), nullable=False)


class Metric(Base):
    """What a statistic counts, with the words users ask for it with."""

    __tablename__ = "metrics"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    label = Column(Text, nullable=False)
    keywords = Column(JSON, nullable=False)


class Statistic(Base):
    """One figure, as written in its source, with the verbatim quote."""

    __tablename__ = "statistics"

    id = Column(String(128), primary_key=True)
    position = Column(Integer, nullable=False)
    metric_id = Column(ForeignKey("metrics.id"), nullable=False, index=True)
    subject = Column(Text, nullable=False)
    value = Column(String(64), nullable=False)
    unit = Column(String(32), nullable=False)
    period = Column(Text, nullable=False)
    year = Column(Integer, index=True)
    scope = Column(Text, nullable=False)
    quote = Column(Text, nullable=False)
    source_id = Column(ForeignKey("sources.id"), nullable=False)
    note = Column(Text)

    source = relationship(Source, lazy="joined")


class LawFact(Base):
    """A law or policy fact, quoted from a source or cited to a statute."""

    __tablename__ = "law_facts"

    id = Column(String(128), primary_key=True)
    position = Column(Integer, nullable=False)
    topic = Column(String(64), nullable=False)
    keywords = Column(JSON, nullable=False)
    cues = Column(JSON, nullable=False, default=list)
    statement = Column(Text, nullable=False)
    quote = Column(Text)
    source_id = Column(ForeignKey("sources.id"))
    statute = Column(Text)

    source = relationship(Source, lazy="joined")


class Hotline(Base):
    """A phone number the bot may mention, and whether people should call it."""

    __tablename__ = "hotlines"

    number = Column(String(32), primary_key=True)
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)
    callable = Column(Boolean, nullable=False)
    essential = Column(Boolean, nullable=False, default=False)
    summary = Column(Text, nullable=False)
    details = Column(JSON, nullable=False)


class Guidance(Base):
    """Ordered steps for one of the core topics."""

    __tablename__ = "guidance"

    topic = Column(String(64), primary_key=True)
    title = Column(Text, nullable=False)
    intro = Column(Text, nullable=False)
    steps = Column(JSON, nullable=False)
    closing = Column(Text, nullable=False)


class ScamTypeRow(Base):
    """A kind of scam with its tell-tale signs and advice."""

    __tablename__ = "scam_types"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)
    aliases = Column(JSON, nullable=False)
    keywords = Column(JSON, nullable=False)
    signs = Column(JSON, nullable=False)
    advice = Column(JSON, nullable=False)
    message_signs = Column(JSON, nullable=False, default=list)  # [{id, label, why, patterns, weight}]
    generic_signs = Column(JSON, nullable=False, default=list)  # ids of MessageSignRow


class MessageSignRow(Base):
    """A generic warning sign of a pasted message; its detection logic is in bot/redflags.py."""

    __tablename__ = "message_signs"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    label = Column(Text, nullable=False)
    why = Column(Text, nullable=False)
    advice = Column(Text, nullable=False)
    terms = Column(JSON, nullable=False)  # {name: [words]}, read by the detector


class Question(Base):
    """A specific question inside a core topic (a retrieval sub-intent) and its answer.

    References are kept as ordered id lists; the loader checks they resolve
    because SQLite does not enforce foreign keys inside JSON.
    """

    __tablename__ = "questions"

    key = Column(String(128), primary_key=True)
    position = Column(Integer, nullable=False)
    topic = Column(String(64), nullable=False, index=True)
    question = Column(Text, nullable=False)
    answer = Column(JSON, nullable=False)
    law_ids = Column(JSON, nullable=False)
    figure_ids = Column(JSON, nullable=False)
    hotline_numbers = Column(JSON, nullable=False)
