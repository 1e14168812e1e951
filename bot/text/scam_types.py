"""Recognize the kind of scam a user's story describes.

Pure Python: the types (`bot.knowledge.models.ScamType`) come from the knowledge
store or `data/knowledge/scam_types.yml` (`bot.knowledge.loader.read_file`), and `recognize` ranks
them by the aliases and keywords found in the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from bot.knowledge.models import ScamType

#: An alias (a name of the type, e.g. 杀猪盘) outweighs any single keyword.
ALIAS_BONUS = 5.0
#: Below this score a type is not reported (unrelated text returns []).
MIN_SCORE = 2.5
#: Further results must reach this share of the best score.
RELATIVE_CUTOFF = 0.5

_SPACES = re.compile(r"\s+")
#: Common variant spellings in users' messages, mapped to the form the data uses.
_VARIANTS = (("帐", "账"), ("身分证", "身份证"))


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


@functools.lru_cache(maxsize=256)
def _terms(keywords: tuple[str, ...], aliases: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """A type's terms normalized, longest first, each with whether it is an alias: built once a
    type, as normalizing them for every message cost more than the matching."""
    terms = {normalize(k): False for k in keywords}
    terms.update({normalize(a): True for a in aliases})
    return tuple(sorted(((t, alias) for t, alias in terms.items() if t), key=lambda item: len(item[0]), reverse=True))


def score(text: str, scam_type: ScamType) -> float:
    """How strongly normalized `text` points to `scam_type` (0 when not at all).

    Terms are matched longest first; a term overlapping an already matched
    one is not counted again, so 带我投资 does not also count 投资.
    """
    taken = [False] * len(text)
    total = 0.0
    for term, alias in _terms(tuple(scam_type.keywords), tuple(scam_type.aliases)):
        start = text.find(term)
        while start != -1:
            end = start + len(term)
            if not any(taken[start:end]) and _bounded(text, term, start):
                taken[start:end] = [True] * len(term)
                total += term_weight(term) + (ALIAS_BONUS if alias else 0.0)
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
