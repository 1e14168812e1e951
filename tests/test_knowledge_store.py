"""The knowledge store built from data/knowledge/ into a real SQLite file."""

from __future__ import annotations

import pytest
import yaml

from bot import settings
from bot.knowledge import KnowledgeRepository
from bot.knowledge.loader import build

FILES = ("sources", "metrics", "statistics", "law", "hotlines", "guidance", "scam_types", "questions")


def yaml_count() -> int:
    total = 0
    for name in FILES:
        with open(settings.KNOWLEDGE_DIR / f"{name}.yml", encoding="utf-8") as f:
            total += len(yaml.safe_load(f)[name])
    return total


def test_build_loads_every_entry_and_can_rebuild(tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'store.db'}"
    assert build(url) == yaml_count()
    assert build(url) == yaml_count()
    repo = KnowledgeRepository(url)
    assert len(repo.figures()) == len(yaml.safe_load(open(settings.KNOWLEDGE_DIR / "statistics.yml"))["statistics"])
    repo.dispose()


def test_engine_is_created_lazily():
    repo = KnowledgeRepository("sqlite:////nonexistent-dir/never-opened.db")
    assert repo._engine is None


def test_figures_filter_by_metric_and_year(repository):
    figures = repository.figures("cases_solved", 2020)
    assert figures and all(f.metric == "cases_solved" and f.year == 2020 for f in figures)
    assert any(f.value == "32.2万" and f.unit == "起" for f in figures)
    assert all(f.citation.outlet and f.citation.date for f in figures)


def test_every_figure_is_stated_as_written_in_its_quote(repository):
    for f in repository.figures():
        assert f.value in f.quote, f


@pytest.mark.parametrize(
    "question, metric",
    [
        ("2021年破获了多少案件", "cases_solved"),
        ("那抓了多少人", "suspects_arrested"),
        ("抓获犯罪嫌疑人呢", "suspects_arrested"),
    ],
)
def test_metric_in_question(repository, question, metric):
    assert repository.metric_in(question).id == metric


def test_metric_in_unrelated_text_is_none(repository):
    assert repository.metric_in("今天天气怎么样") is None


def test_years_cover_the_sources(repository):
    assert {2020, 2021, 2023} <= set(repository.years())


def test_hotlines_mark_12381_as_not_callable(repository):
    hotlines = {h.number: h for h in repository.hotlines()}
    assert hotlines["110"].callable and hotlines["96110"].callable
    assert not hotlines["12381"].callable


@pytest.mark.parametrize("topic", ["suspected_scam_call", "lost_money", "selling_card", "app_verification"])
def test_guidance_exists_for_each_core_topic(repository, topic):
    guidance = repository.guidance(topic)
    assert guidance is not None and len(guidance.steps) >= 3


def test_law_facts_match_keywords(repository):
    facts = repository.law_facts("反电信网络诈骗法什么时候施行")
    assert facts and any("2022年12月1日" in f.statement for f in facts)


HELPING_CRIME = "《中华人民共和国刑法》第二百八十七条之二"
PENALTY = "三年以下有期徒刑或者拘役，并处或者单处罚金"


@pytest.mark.parametrize(
    "question", ["帮信罪判几年", "帮信罪会坐牢吗", "出租银行卡判几年", "卖卡会判刑吗", "帮人跑分会判刑吗"]
)
def test_penalty_questions_get_the_statutory_penalty_first(repository, question):
    first = repository.law_facts(question)[0]
    assert first.statute == HELPING_CRIME
    assert PENALTY in first.statement
    assert first.statement.index(PENALTY) < first.statement.index("明知"), "the penalty comes first"


@pytest.mark.parametrize(
    "question, expected",
    [("联合惩戒几年", "惩戒期限为3年"), ("反诈法什么时候施行", "2022年12月1日"), ("什么是帮信罪", "明知")],
)
def test_other_law_questions_keep_their_best_answer_first(repository, question, expected):
    assert expected in repository.law_facts(question)[0].statement


def test_a_question_word_alone_matches_no_law_fact(repository):
    """Cues rank facts on their topic; "几年" alone is not a question about 帮信罪 or 联合惩戒."""
    assert repository.law_facts("诈骗犯一般判几年") == []
