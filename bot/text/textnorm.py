"""Text normalization shared by the text checks."""

from __future__ import annotations

import functools
import unicodedata

from opencc import OpenCC


@functools.cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Fold full-width ASCII to half-width (NFKC) and traditional characters to simplified."""
    return _t2s().convert(unicodedata.normalize("NFKC", text))
