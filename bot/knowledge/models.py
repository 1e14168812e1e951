"""The knowledge store's data model: the one definition of every file in data/knowledge/.

Each model is one entry of one YAML file (`file`, under the top-level key of the same
name). The loader validates the files with these models, the store's tables are derived
from them (`bot.knowledge.tables`), and the repository returns them. Class variables say
how entries relate: `named_by` is the field that names an entry, `references` the fields that
name entries of another file, `indexed` the fields the repository filters on.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import ClassVar, Literal

from pydantic import BaseModel, PrivateAttr, StrictStr, conint, constr

#: A non-blank string, exactly as written (quotes and statements are verbatim).
Text = constr(strict=True, regex=r"\s*\S")
Words = tuple[Text, ...]

CoreTopic = Literal["suspected_scam_call", "lost_money", "selling_card", "app_verification"]


class Entry(BaseModel):
    """One entry of a data/knowledge/ file: unknown fields are refused, entries never change."""

    file: ClassVar[str]
    named_by: ClassVar[str] = "id"
    references: ClassVar[dict[str, str]] = {}
    indexed: ClassVar[tuple[str, ...]] = ()

    class Config:
        extra = "forbid"
        frozen = True
        copy_on_model_validation = "none"


class Source(Entry):
    """A press report the figures and law facts are quoted from; it is their citation."""

    file = "sources"

    id: Text
    outlet: Text
    title: Text  # as printed in the seed file (checked by tests/test_knowledge_data.py)
    date: dt.date
    seed_file: Text

    def __str__(self) -> str:
        return f"来源：{self.outlet}，{self.date.isoformat()}"


class Quoted(Entry):
    """An entry quoted from a source; the repository attaches that source as its `citation`."""

    _citation: Source | None = PrivateAttr(None)

    @property
    def citation(self) -> Source | None:
        return self._citation

    def cited(self, sources: dict[str, Source]) -> Quoted:
        """This entry with its source attached (done once, by the repository)."""
        self._citation = sources.get(self.source)
        return self


class Metric(Entry):
    """What a statistic counts, with the words users ask for it with."""

    file = "metrics"

    id: Text
    label: Text
    keywords: Words


class Statistic(Quoted):
    """One figure exactly as printed in its source, with the verbatim quote."""

    file = "statistics"

    id: Text
    metric: Text
    subject: Text
    value: Text  # quoted in the YAML: 39.4万 is text, never a number
    unit: StrictStr = ""
    period: Text
    year: int | None
    scope: StrictStr
    quote: Text
    source: Text
    note: Text | None = None  # said once under the figures, e.g. when two sources differ

    references = {"metric": "metrics", "source": "sources"}
    indexed = ("metric", "year")


class LawFact(Quoted):
    """A law or policy fact, quoted from a source or cited to a statute."""

    file = "law"

    id: Text
    keywords: Words
    cues: Words = ()  # words of the question this fact answers directly (判几年)
    statement: Text
    quote: Text | None
    source: Text | None
    statute: Text | None

    references = {"source": "sources"}


class Hotline(Entry):
    """A phone number the bot may mention; the essential ones are listed when asked which to call."""

    file = "hotlines"
    named_by = "number"

    number: Text  # quoted in the YAML
    name: Text
    essential: bool = False
    summary: Text
    details: Words = ()

    def mentioned_in(self, text: str) -> bool:
        """Whether `text` names this number or its organisation (e.g. 工商银行)."""
        full_name = self.name.removesuffix("客服").removesuffix("官方")
        # 中国工商银行 is also called 工商银行, but 中国银行 is never just 银行.
        short_name = full_name.removeprefix("中国")
        if len(short_name) <= 2:
            short_name = full_name
        named = re.search(rf"(?<!\d){re.escape(self.number)}(?!\d)", text)
        return bool(named) or short_name in text


class Guidance(Entry):
    """Ordered steps for a core topic or one part of the lost-money checklist."""

    file = "guidance"
    named_by = "topic"

    topic: Text
    title: Text  # the part's name; for a payment channel, the name the summary repeats
    intro: StrictStr = ""
    # The intro when only the classifier, not the person's words, says it already happened.
    intro_unconfirmed: StrictStr = ""
    steps: Words
    closing: StrictStr = ""


class MessageSign(Entry):
    """A sign of one scam family in a pasted message: what it is, why it matters, the patterns that find it."""

    id: Text
    label: Text
    why: Text
    patterns: Words
    weight: conint(strict=True, ge=1, le=2) = 1
    #: Shared by many families ("asks you to click the link"): adds weight, never matches a family alone.
    supporting: bool = False


class ScamType(Entry):
    """A kind of scam with the words that point to it, how to spot it in a message, and what to do."""

    file = "scam_types"

    id: Text
    name: Text
    aliases: Words
    keywords: Words
    signs: Words
    advice: Words
    message_signs: tuple[MessageSign, ...] = ()
    #: Ids of generic signs (message_signs.yml) that also point to this family.
    generic_signs: Words = ()

    references = {"generic_signs": "message_signs"}


class GenericSign(Entry):
    """A warning sign of any pasted message, detected by code in bot/text/redflags.py with the words given here."""

    file = "message_signs"

    id: Text
    label: Text
    why: Text
    advice: StrictStr = ""  # shown when no family covers the sign
    terms: dict[Text, Words] = {}  # named word lists the detector reads

    def __hash__(self) -> int:
        return hash((self.id, self.label, self.why, self.advice, tuple(self.terms.items())))

    def words(self, name: str) -> tuple[str, ...]:
        return self.terms[name]


class Question(Entry):
    """A specific question inside a core topic (a retrieval intent `<topic>/<question>`) and its answer."""

    file = "questions"
    named_by = "key"

    key: Text
    topic: CoreTopic
    question: Text
    answer: Words  # 2–5 short lines; the first one answers the question
    law: Words = ()
    figures: Words = ()
    hotlines: Words = ()

    references = {"law": "law", "figures": "statistics", "hotlines": "hotlines"}
    indexed = ("topic",)


class QuestionAnswer(Question):
    """A question with its references resolved: the law facts, figures and hotlines themselves, in listed order."""

    law: tuple[LawFact, ...] = ()
    figures: tuple[Statistic, ...] = ()
    hotlines: tuple[Hotline, ...] = ()


#: Every file of data/knowledge/, in the order they are loaded (referenced files first).
MODELS: tuple[type[Entry], ...] = (
    Source,
    Metric,
    Statistic,
    LawFact,
    Hotline,
    Guidance,
    GenericSign,
    ScamType,
    Question,
)
