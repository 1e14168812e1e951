"""The extraction vocabulary in data/nlu/entities.yml: the `when` patterns find the whole time phrase."""

from __future__ import annotations

import re

import pytest
import yaml

from bot import settings

pytestmark = pytest.mark.unit


def patterns(name: str) -> list[re.Pattern]:
    data = yaml.safe_load((settings.ROOT / "data" / "nlu" / "entities.yml").read_text(encoding="utf-8"))
    (entry,) = [e for e in data["nlu"] if e.get("regex") == name]
    return [re.compile(line[2:]) for line in entry["examples"].splitlines() if line.startswith("- ")]


def longest_when(text: str) -> str | None:
    found = [m.group() for p in patterns("when") for m in p.finditer(text)]
    return max(found, key=len) if found else None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("昨天下午三点多接到的电话", "昨天下午三点多"),
        ("昨天下午3点半转的", "昨天下午3点半"),
        ("大概上午十点多吧", "上午十点多"),
        ("星期天晚上八点左右", "星期天晚上八点左右"),
        ("半小时前转的钱", "半小时前"),
        ("两天前的事了", "两天前"),
        ("上个月被骗的", "上个月"),
    ],
)
def test_when_takes_the_whole_phrase(text, phrase):
    assert longest_when(text) == phrase


@pytest.mark.parametrize("text", ["转了三万", "对方要六位验证码", "他说十点钟再打来"])
def test_when_ignores_amounts_codes_and_bare_clock_times(text):
    assert longest_when(text) is None
