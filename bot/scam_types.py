"""Recognize the kind of scam a user's story describes.

Pure Python: the types come from `data/knowledge/scam_types.yml` (via
`load_scam_types` here, or the knowledge store), and `recognize` ranks them
by the aliases and keywords found in the text. Each type also carries the
signs that find it in a pasted message (used by `bot.message_check`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import yaml

#: An alias (a name of the type, e.g. 杀猪盘) outweighs any single keyword.
ALIAS_BONUS = 5.0
#: Below this score a type is not reported (unrelated text returns []).
MIN_SCORE = 2.5
#: Further results must reach this share of the best score.
RELATIVE_CUTOFF = 0.5

_SPACES = re.compile(r"\s+")
#: Common variant spellings in users' messages, mapped to the form the data uses.
_VARIANTS = (("帐", "账"), ("身分证", "身份证"))


@dataclass(frozen=True)
class MessageSign:
    """A sign of one scam family in a pasted message: what it is, why it matters, the patterns that find it."""

    id: str
    label: str
    why: str
    patterns: tuple[str, ...]
    weight: int = 1
    #: Shared by many families ("asks you to click the link"): adds weight, never matches a family alone.
    supporting: bool = False

    @classmethod
    def from_entry(cls, entry: Mapping) -> MessageSign:
        return cls(
            entry["id"], entry["label"], entry["why"], tuple(entry["patterns"]),
            int(entry.get("weight", 1)), bool(entry.get("supporting", False)),
        )


@dataclass(frozen=True)
class ScamType:
    """A kind of scam with the words that point to it, how to spot it in a message, and what to do."""

    id: str
    name: str
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    signs: tuple[str, ...]
    advice: tuple[str, ...]
    message_signs: tuple[MessageSign, ...] = ()
    #: Ids of generic signs (data/knowledge/message_signs.yml) that also point to this family.
    generic_signs: tuple[str, ...] = ()

    @classmethod
    def from_entry(cls, entry: Mapping) -> ScamType:
        """From a scam_types.yml entry or a store row's columns."""
        return cls(
            id=entry["id"], name=entry["name"], aliases=tuple(entry["aliases"]),
            keywords=tuple(entry["keywords"]), signs=tuple(entry["signs"]), advice=tuple(entry["advice"]),
            message_signs=tuple(MessageSign.from_entry(m) for m in entry.get("message_signs") or ()),
            generic_signs=tuple(entry.get("generic_signs") or ()),
        )


def normalize(text: str) -> str:
    """Full-width to half-width, case-folded, without whitespace, variants unified."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", text).casefold())
    for variant, standard in _VARIANTS:
        text = text.replace(variant, standard)
    return text


def term_weight(term: str) -> float:
    """Longer terms are more specific: 1 char 0.5, 2 chars 1, 3 chars 1.5, 4+ chars 2."""
    return min(len(term), 4) / 2


def _is_latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _bounded(text: str, term: str, start: int) -> bool:
    """Whether a Latin edge of `term` (AI, QQ, ETC) is not inside a longer Latin word."""
    end = start + len(term)
    if _is_latin(term[0]) and start > 0 and _is_latin(text[start - 1]):
        return False
    return not (_is_latin(term[-1]) and end < len(text) and _is_latin(text[end]))


def score(text: str, scam_type: ScamType) -> float:
    """How strongly normalized `text` points to `scam_type` (0 when not at all).

    Terms are matched longest first; a term overlapping an already matched
    one is not counted again, so 带我投资 does not also count 投资.
    """
    terms = {normalize(k): False for k in scam_type.keywords}
    terms.update({normalize(a): True for a in scam_type.aliases})
    taken = [False] * len(text)
    total = 0.0
    for term in sorted(terms, key=len, reverse=True):
        if not term:
            continue
        start = text.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]) and _bounded(text, term, start):
                taken[start:end] = [True] * len(term)
                total += term_weight(term) + (ALIAS_BONUS if terms[term] else 0.0)
                break  # each term counts once
            start = text.find(term, start + 1)
    return total


def recognize(text: str, scam_types: Sequence[ScamType], limit: int = 2) -> list[ScamType]:
    """The types that best match a user's story, most likely first; [] if none fits."""
    normalized = normalize(text)
    scored = [(score(normalized, t), i, t) for i, t in enumerate(scam_types)]
    scored = [s for s in scored if s[0] >= MIN_SCORE]
    if not scored:
        return []
    scored.sort(key=lambda s: (-s[0], s[1]))
    best = scored[0][0]
    return [t for s, _, t in scored if s >= best * RELATIVE_CUTOFF][:limit]


def load_scam_types(path: str | Path) -> list[ScamType]:
    """Read the `scam_types` list of a scam_types.yml file."""
    with open(path, encoding="utf-8") as f:
        return [ScamType.from_entry(e) for e in yaml.safe_load(f)["scam_types"] or []]
