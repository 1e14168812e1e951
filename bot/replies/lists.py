"""Lines of a reply written as a list."""

from __future__ import annotations

from collections.abc import Iterable


def bullet_lines(lines: Iterable[str]) -> str:
    """One "• " line per item."""
    return "\n".join(f"• {line}" for line in lines)


def numbered_lines(lines: Iterable[str]) -> str:
    """One numbered line per item, from 1."""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
