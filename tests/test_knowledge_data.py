"""The knowledge store's factual data is true to its sources.

Checks data/knowledge/{sources,metrics,statistics,law}.yml against the five seed
press reports: every quote is copied verbatim from its source's seed file, every
figure is printed inside its quote with the unit printed next to it, and a figure is
called national only where its seed says so. The format itself (fields, types,
references) is checked by the loader with bot/knowledge/models.py; its errors are
tested in tests/test_knowledge_store.py.

The seed files are read from ../shared/seeds next to the repository, or from the
folder named by the SEEDS_DIR environment variable.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest

from bot.knowledge.loader import read
from bot.knowledge.models import LawFact, Metric, Source, Statistic

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = Path(os.environ.get("SEEDS_DIR") or ROOT.parent / "shared" / "seeds")

# Every figure stated as 全国, with the words of its seed that say so: in the quote's
# own paragraph or in the report's title. Other figures name the body that counted
# them (工信部, 公安部会同相关部门), or no one when the seed names no one.
NATIONAL_SCOPE = {
    "cases-solved-2021-04-to-2022-04-pengpai": "全国公安机关深入开展",
    "suspects-arrested-2021-04-to-2022-04-pengpai": "全国公安机关深入开展",
    "cases-solved-yoy-2021-04-to-2022-04-pengpai": "全国公安机关深入开展",
    "suspects-arrested-yoy-2021-04-to-2022-04-pengpai": "全国公安机关深入开展",
    "cases-solved-2021-04-to-2022-04-xinhua": "全国共破获电信网络诈骗案件",
    "suspects-arrested-2021-04-to-2022-04-xinhua": "全国共破获电信网络诈骗案件",
    "cases-solved-yoy-2021-04-to-2022-04-xinhua": "全国共破获电信网络诈骗案件",
    "suspects-arrested-yoy-2021-04-to-2022-04-xinhua": "全国共破获电信网络诈骗案件",
    # 004's title: 我国打击电信网络诈骗犯罪成效显著 2020年为群众挽回经济损失1870余亿元
    "cases-solved-2020": "我国打击电信网络诈骗犯罪成效显著",
    "suspects-arrested-2020": "我国打击电信网络诈骗犯罪成效显著",
    "funds-stopped-2020": "我国打击电信网络诈骗犯罪成效显著",
    "losses-recovered-2020": "我国打击电信网络诈骗犯罪成效显著",
    "people-dissuaded-2020": "我国打击电信网络诈骗犯罪成效显著",
    "two-card-gangs-to-2021-04": "截至目前,全国共打掉",
    "two-card-suspects-to-2021-04": "截至目前,全国共打掉",
    "bank-cards-seized-to-2021-04": "截至目前,全国共打掉",
    "phone-cards-seized-to-2021-04": "截至目前,全国共打掉",
    "insiders-punished-to-2021-04": "截至目前,全国共打掉",
    "outlets-punished-to-2021-04": "截至目前,全国共打掉",
    "key-regions-listed-2023": "从全国层面看",
}
# Words a statement may not drop from its quote: they limit who the fact is about.
QUALIFIERS = ("个别", "一些", "部分", "少数", "多数")


KNOWLEDGE = read()
SOURCES: list[Source] = KNOWLEDGE[Source]
METRICS: list[Metric] = KNOWLEDGE[Metric]
STATISTICS: list[Statistic] = KNOWLEDGE[Statistic]
LAW: list[LawFact] = KNOWLEDGE[LawFact]

METRIC_IDS = {m.id for m in METRICS}


@cache
def seed_text(source_id: str) -> str:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed files not found at {SEEDS_DIR} (set SEEDS_DIR)")
    seed_file = next(s.seed_file for s in SOURCES if s.id == source_id)
    return (SEEDS_DIR / seed_file).read_text(encoding="utf-8")


def paragraph_of(source_id: str, quote: str) -> str:
    """The line of the seed file that prints `quote` (each seed paragraph is one line)."""
    return next(line for line in seed_text(source_id).splitlines() if quote in line)


STAT = {s.id: s for s in STATISTICS}


def _ids(entries: list) -> list[str]:
    return [e.id for e in entries]


# ---------------------------------------------------------------- ids and references


def test_counts():
    assert len(SOURCES) == 5
    assert 60 <= len(STATISTICS) <= 130
    assert len(LAW) >= 10


# ---------------------------------------------------------------- sources


@pytest.mark.parametrize("source", SOURCES, ids=_ids(SOURCES))
def test_source_seed_file_exists_and_title_is_printed(source):
    text = seed_text(source.id)
    assert source.title in text, "title must be copied as printed in the seed file"


def test_each_seed_file_is_used_once():
    seeds = [s.seed_file for s in SOURCES]
    assert len(seeds) == len(set(seeds))


# ---------------------------------------------------------------- metrics


@pytest.mark.parametrize("metric", METRICS, ids=_ids(METRICS))
def test_metric_keywords_are_listed_once(metric):
    assert metric.keywords and len(metric.keywords) == len(set(metric.keywords))


def test_no_keyword_points_to_two_metrics():
    owners: dict[str, list[str]] = {}
    for m in METRICS:
        for k in m.keywords:
            owners.setdefault(k, []).append(m.id)
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared, f"keywords shared by several metrics: {shared}"


def test_every_metric_has_a_figure():
    used = {s.metric for s in STATISTICS}
    assert METRIC_IDS - used == set()


def _by_longest_keyword(text: str) -> str | None:
    """A second, cruder scorer: the metric owning the longest keyword found in `text`.

    Keywords that only work under the repository's scoring are fragile; both must agree.
    """
    scores = [(max((len(k) for k in m.keywords if k in text), default=0), -i, m.id) for i, m in enumerate(METRICS)]
    best = max(scores)
    return best[2] if best[0] else None


QUESTIONS = {
    "破获了多少案件": "cases_solved",
    "2021年破获多少电诈案件": "cases_solved",
    "抓了多少人": "suspects_arrested",
    "抓获了多少犯罪嫌疑人": "suspects_arrested",
    "拦截了多少诈骗电话": "calls_blocked",
    "拦截了多少诈骗短信": "sms_blocked",
    "止付冻结了多少钱": "funds_stopped",
    "紧急止付了多少资金": "funds_stopped",
    "挽回多少损失": "losses_recovered",
    "追回了多少钱": "funds_returned",
    "劝阻了多少群众": "people_dissuaded",
    "见面劝阻了多少人": "face_to_face_dissuasion",
    "封堵了多少涉诈网址": "domains_handled",
    "断卡行动打掉了多少团伙": "two_card_gangs",
    "断卡行动抓了多少人": "two_card_suspects",
    "断卡行动抓获多少犯罪嫌疑人": "two_card_suspects",
    "断流行动打掉多少非法出境团伙": "illegal_exit_gangs",
    "抓了多少偷渡人员": "illegal_exit_suspects",
    "法院审结了多少案件": "court_cases_concluded",
    "多少人被判刑": "defendants_sentenced",
    "检察院起诉了多少人": "prosecutions",
    "起诉了多少犯罪嫌疑人": "prosecutions",
    "帮信罪起诉了多少人": "helping_crime_prosecuted",
    "缅北向我国移交了多少电诈犯罪嫌疑人": "myanmar_handover",
    "推送了多少预警指令": "warnings_pushed",
    "反诈App收到多少举报": "app_reports",
    "行政处罚了多少人": "admin_penalties",
    "行政处罚率是多少": "admin_penalty_rate",
    "立案数下降了吗": "cases_filed",
    "抓获犯罪嫌疑人同比上升多少": "yoy_change",
    "处置了多少涉诈电话卡": "high_risk_cards_handled",
    "劝返了多少人": "persuaded_to_return",
    "捣毁了多少诈骗窝点": "dens_destroyed",
    "批捕了多少人": "arrests_approved",
}


@pytest.mark.parametrize("question,metric", QUESTIONS.items(), ids=list(QUESTIONS))
def test_questions_pick_the_right_metric(repository, question, metric):
    found = repository.metric_in(question)
    assert found is not None and found.id == metric
    assert _by_longest_keyword(question) == metric


@pytest.mark.parametrize("metric", METRICS, ids=_ids(METRICS))
def test_each_label_asks_for_its_own_metric(repository, metric):
    """The bot names labels when it says how to ask for the figures it left out."""
    found = repository.metric_in(metric.label)
    assert found is not None and found.id == metric.id


# ---------------------------------------------------------------- statistics


@pytest.mark.parametrize("stat", STATISTICS, ids=_ids(STATISTICS))
def test_statistic_is_a_printed_figure_of_a_plausible_year(stat):
    assert stat.year is None or 2018 <= stat.year <= 2024
    assert re.search(r"\d", stat.value), "value must be a printed figure"


@pytest.mark.parametrize("stat", STATISTICS, ids=_ids(STATISTICS))
def test_statistic_quote_is_verbatim_in_seed(stat):
    assert stat.quote in seed_text(stat.source)


@pytest.mark.parametrize("stat", STATISTICS, ids=_ids(STATISTICS))
def test_statistic_value_is_printed_in_quote(stat):
    assert stat.value in stat.quote


@pytest.mark.parametrize("stat", STATISTICS, ids=_ids(STATISTICS))
def test_unit_is_the_one_printed_with_the_value(stat):
    """A printed unit is kept next to its value; a unit the source lacks is never added."""
    if stat.unit:
        assert stat.value + stat.unit in stat.quote, "value and unit must be printed together"
    else:
        assert re.search(re.escape(stat.value) + r"(?!\w)", stat.quote), "the quote prints a unit"


@pytest.mark.parametrize("stat", STATISTICS, ids=_ids(STATISTICS))
def test_national_scope_only_where_the_seed_says_so(stat):
    if stat.scope == "全国":
        assert stat.id in NATIONAL_SCOPE, "全国 needs the seed's words for it in NATIONAL_SCOPE"
        evidence = NATIONAL_SCOPE[stat.id]
        assert "全国" in evidence or "我国" in evidence
        title = next(s.title for s in SOURCES if s.id == stat.source)
        assert evidence in paragraph_of(stat.source, stat.quote) or evidence in title
    elif "全国" in stat.scope:  # e.g. 全国检察机关: printed as such next to the figure
        assert stat.scope in paragraph_of(stat.source, stat.quote)


def test_national_scope_list_has_no_stale_entries():
    assert {i for i in NATIONAL_SCOPE if i not in STAT or STAT[i].scope != "全国"} == set()


def test_figures_without_period_or_scope_in_the_seed_say_so():
    """003's lead lists 1389万 and 3288亿 with no period and no region: not "2023年全国"."""
    for stat_id in ("funds-intercepted-2023", "face-to-face-dissuasion-2023"):
        stat = STAT[stat_id]
        assert "未说明" in stat.period and "2023" not in stat.period
        assert stat.year is None and stat.scope == ""


def test_pengpai_stop_payment_is_worded_and_dated_by_its_own_seed():
    """000 prints 紧急止付群众被骗款3291亿元 with no period; 一年来 and 涉案资金 are 001's words."""
    stat = STAT["funds-stopped-unstated-period-pengpai"]
    assert stat.subject in stat.quote
    assert "未说明" in stat.period and stat.year is None


def test_blocked_calls_and_sms_credit_who_the_seed_credits_and_say_once_that_sources_differ():
    for stat_id in ("calls-blocked-2021-pengpai", "sms-blocked-2021-pengpai"):
        assert STAT[stat_id].scope == "工信部" and "工信部" in STAT[stat_id].quote
    for stat_id in ("calls-blocked-2021-04-to-2022-04-xinhua", "sms-blocked-2021-04-to-2022-04-xinhua"):
        stat = STAT[stat_id]
        assert stat.scope in paragraph_of(stat.source, stat.quote)
    notes = {s.note for s in STATISTICS if s.note and "19.5亿" in s.note}
    assert len(notes) == 1
    (note,) = notes
    assert "21.4亿" in note and "2021年" in note and "一年来" in note


def test_ringleaders_wanted_are_scoped_to_the_northern_myanmar_operation():
    stat = STAT["ringleaders-wanted-2023"]
    assert "缅北" in stat.scope and "全国" not in stat.scope
    assert "緬北" in paragraph_of(stat.source, stat.quote)


def test_jiaxing_period_belongs_to_the_level_after_the_fall():
    before, after = STAT["jiaxing-daily-cases-before-2023"], STAT["jiaxing-daily-cases-after-2023"]
    assert after.value == "10多" and after.period == "2023年9月、10月"
    assert before.value == "30多" and before.period != after.period and "之前" in before.period


@pytest.mark.parametrize("stat", [s for s in STATISTICS if s.note], ids=[s.id for s in STATISTICS if s.note])
def test_figures_in_notes_are_quoted(stat):
    """A note compares printed figures; every number in it is printed in some quote."""
    quotes = " ".join(s.quote for s in STATISTICS)
    for number in re.findall(r"\d+(?:\.\d+)?", stat.note):
        assert number in quotes, number


@pytest.mark.parametrize("stat", STATISTICS, ids=_ids(STATISTICS))
def test_statistic_value_is_not_part_of_a_longer_number(stat):
    """'9' must not be read out of '29' or '9.85': the value starts and ends a number."""
    pattern = r"(?<![\d.])" + re.escape(stat.value) + r"(?![\d.]\d)"
    assert re.search(pattern, stat.quote)


def test_figures_reported_twice_are_worded_the_same():
    """Same value from two sources for one metric and period: one line in the bot, citing both."""
    seen: dict[tuple, dict[str, set]] = {}
    for s in STATISTICS:
        key = (s.metric, s.value, s.unit, s.period, s.scope)
        seen.setdefault(key, {}).setdefault(s.source, set()).add(s.subject)
    differing = {
        key: by_source
        for key, by_source in seen.items()
        if len(by_source) > 1 and len(set().union(*by_source.values())) > 1
    }
    assert not differing, differing


# ---------------------------------------------------------------- law facts


@pytest.mark.parametrize("fact", LAW, ids=_ids(LAW))
def test_law_fact_is_quoted_or_cited_to_a_statute(fact):
    if fact.quote is None:
        assert fact.source is None
        assert fact.statute and fact.statute.startswith("《中华人民共和国")
    else:
        assert fact.source is not None and fact.statute is None


@pytest.mark.parametrize(
    "fact", [f for f in LAW if f.quote is not None], ids=[f.id for f in LAW if f.quote is not None]
)
def test_law_quote_is_verbatim_in_seed(fact):
    assert fact.quote in seed_text(fact.source)


@pytest.mark.parametrize(
    "fact", [f for f in LAW if f.quote is not None], ids=[f.id for f in LAW if f.quote is not None]
)
def test_law_statement_keeps_the_quotes_qualifiers(fact):
    """ "个别学生…" must not become "学生…": a statement may not widen who a fact is about."""
    for word in QUALIFIERS:
        if word in fact.quote:
            assert word in fact.statement, word


def test_at_most_four_statute_facts_without_source():
    assert sum(1 for f in LAW if f.quote is None) <= 4


@pytest.mark.parametrize("fact", LAW, ids=_ids(LAW))
def test_figures_in_law_statements_are_sourced(fact):
    """A number the bot says in a law statement is printed in its quote.

    The only exception is dating a relative date ("今年11月") by the report's own
    date: the year and month of the source's date may appear.
    """
    source = next((s for s in SOURCES if s.id == fact.source), None)
    dated = set()
    if source:
        dated = {str(source.date.year), str(source.date.month)}
    for number in re.findall(r"\d+(?:\.\d+)?", fact.statement):
        assert number in dated or (fact.quote is not None and number in fact.quote), number
