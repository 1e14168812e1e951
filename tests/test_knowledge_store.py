"""The knowledge store built from data/knowledge/ into a real SQLite file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot import settings
from bot.knowledge import KnowledgeRepository
from bot.knowledge.loader import KnowledgeDataError, build, read
from bot.knowledge.models import GenericSign, Guidance, Hotline, MessageSign, Metric, ScamType, Statistic

FILES = ("sources", "metrics", "statistics", "law", "hotlines", "guidance", "scam_types", "questions", "message_signs")


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
    statistics = yaml.safe_load((settings.KNOWLEDGE_DIR / "statistics.yml").read_text(encoding="utf-8"))
    assert len(repo.figures()) == len(statistics["statistics"])
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


def test_12381_is_said_to_only_send_warnings(repository):
    hotlines = {h.number: h for h in repository.hotlines()}
    assert "只发提醒短信" in hotlines["12381"].summary and "不用回拨" in hotlines["12381"].summary
    assert [h.number for h in repository.hotlines() if h.essential] == ["110", "96110", "12381"]


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


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。；;]", text) if s.strip()]


def _guidance_topics() -> list[str]:
    with open(settings.KNOWLEDGE_DIR / "guidance.yml", encoding="utf-8") as f:
        return [g["topic"] for g in yaml.safe_load(f)["guidance"]]


def _guidance_texts(repository, topic: str) -> list[str]:
    g = repository.guidance(topic)
    return [g.intro, g.intro_unconfirmed, *g.steps, g.closing]


def test_hotlines_leave_stop_payment_and_freezing_to_the_police(repository):
    """95188, 95017 and the banks help; 止付 and 冻结 are the police's (110)."""
    for h in repository.hotlines():
        if h.number in {"110", "96110"}:
            continue
        for text in (h.summary, *h.details):
            for sentence in _sentences(text):
                if "止付" in sentence or "冻结" in sentence:
                    assert "警" in sentence or "110" in sentence, (h.number, sentence)


def test_guidance_leaves_stop_payment_to_the_police(repository):
    for topic in _guidance_topics():
        for text in _guidance_texts(repository, topic):
            for sentence in _sentences(text):
                if "止付" in sentence:
                    assert "警" in sentence or "110" in sentence, (topic, sentence)
    for step in repository.guidance("lost_money").steps:
        for sentence in _sentences(step):
            if "冻结" in sentence:
                assert "警" in sentence or "110" in sentence, sentence


def test_lost_money_first_step_names_110_stop_payment_and_evidence(repository):
    """The walk-through shows steps[0] alone as its urgent first reply."""
    first, *rest = repository.guidance("lost_money").steps
    for word in ("110", "紧急止付", "转账记录", "聊天记录", "截图", "别删"):
        assert word in first, word
    assert not any("截图" in step or "聊天记录" in step for step in rest), "said once, first"


def test_no_intro_asserts_what_the_person_did_not_say(repository):
    """A victim routed to the wrong topic must not be told "钱还没转出去"."""
    for topic in _guidance_topics():
        intro = repository.guidance(topic).intro
        assert not re.search(r"钱还没转|还没转出去|钱还在|没有损失", intro), (topic, intro)
    intro = repository.guidance("suspected_scam_call").intro
    assert "只要" in intro and "110" in intro


def test_joint_punishment_is_called_a_draft(repository):
    """In the seeds 联合惩戒办法 is a 征求意见稿 (2023-12); nothing may present it as in force."""
    texts = [t for topic in _guidance_topics() for t in _guidance_texts(repository, topic)]
    texts += [t for h in repository.hotlines() for t in (h.summary, *h.details)]
    with open(settings.KNOWLEDGE_DIR / "law.yml", encoding="utf-8") as f:
        texts += [fact["statement"] for fact in yaml.safe_load(f)["law"]]
    mentioned = [s for t in texts for s in _sentences(t) if "联合惩戒" in s]
    assert mentioned
    for sentence in mentioned:
        assert "征求意见稿" in sentence, sentence


# ---------------------------------------------------------------- validation of the YAML files


def _edited_copy(tmp_path, name: str, edit) -> Path:
    """A copy of data/knowledge/ whose `name`.yml went through `edit(data)` (data: the whole file)."""
    directory = tmp_path / "knowledge"
    shutil.copytree(settings.KNOWLEDGE_DIR, directory)
    path = directory / f"{name}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return directory


def _set(name: str, index: int, **fields):
    return lambda data: data[name][index].update(fields)


def _drop(name: str, index: int, field: str):
    return lambda data: data[name][index].pop(field)


@pytest.mark.parametrize(
    "name, edit, message",
    [
        (
            "statistics",
            _set("statistics", 0, value=39.4),
            r"^statistics\.yml entry 1 \('cases-handled-2023-01-to-09'\): field 'value': str type expected$",
        ),
        (
            "statistics",
            _drop("statistics", 2, "quote"),
            r"^statistics\.yml entry 3 \('[\w-]+'\): field 'quote': field required$",
        ),
        (
            "statistics",
            _set("statistics", 1, metirc="cases_solved"),
            r"^statistics\.yml entry 2 \('[\w-]+'\): field 'metirc': extra fields not permitted$",
        ),
        (
            "statistics",
            _set("statistics", 0, metric="no_such_metric"),
            r"^statistics\.yml entry 1 \('cases-handled-2023-01-to-09'\): "
            r"metric 'no_such_metric' not found in metrics\.yml$",
        ),
        (
            "questions",
            _set("questions", 0, topic="weather"),
            r"^questions\.yml entry 1 \('[\w/]+'\): field 'topic': unexpected value; permitted: 'suspected_scam_call'",
        ),
        (
            "hotlines",
            _set("hotlines", 1, number=96110),
            r"^hotlines\.yml entry 2 \(96110\): field 'number': str type expected$",
        ),
        (
            "guidance",
            _set("guidance", 0, steps=["先挂断", "  "]),
            r"^guidance\.yml entry 1 \('suspected_scam_call'\): field 'steps\.1': must not be blank$",
        ),
        (
            "scam_types",
            lambda data: data["scam_types"][0]["message_signs"][1].update(weight=3),
            r"^scam_types\.yml entry 1 \('impersonate_police'\): field 'message_signs\.1\.weight': "
            r"ensure this value is less than or equal to 2$",
        ),
        (
            "scam_types",
            _set("scam_types", 0, generic_signs=["safe_acount"]),
            r"^scam_types\.yml entry 1 \('impersonate_police'\): "
            r"generic_signs \['safe_acount'\] not found in message_signs\.yml$",
        ),
        (
            "message_signs",
            _set("message_signs", 0, id="safe_accounts"),
            r"^message_signs\.yml entry 1 \('safe_accounts'\): no detector 'safe_accounts' in bot/text/redflags\.py$",
        ),
        (
            "sources",
            lambda data: data["sources"].append(dict(data["sources"][0])),
            r"^sources\.yml entry 6 \('renmin-2021-04-10'\): duplicate id$",
        ),
        (
            "metrics",
            lambda data: data["metrics"].insert(3, "cases_solved"),
            r"^metrics\.yml entry 4: Metric expected dict not str$",
        ),
        (
            "questions",
            lambda data: data.update(questions={"key": "x"}),
            r"^questions\.yml: needs one top-level key 'questions' holding a list$",
        ),
    ],
    ids=[
        "number-for-text",
        "missing",
        "typo",
        "reference",
        "literal",
        "unquoted-number",
        "blank-line",
        "nested",
        "reference-list",
        "detector",
        "duplicate",
        "not-a-mapping",
        "not-a-list",
    ],
)
def test_bad_data_is_refused_naming_file_entry_and_field(tmp_path, name, edit, message):
    directory = _edited_copy(tmp_path, name, edit)
    with pytest.raises(KnowledgeDataError, match=message):
        read(directory)


def test_the_data_in_the_repository_is_valid():
    assert sum(len(entries) for entries in read().values()) == yaml_count()


def test_the_store_returns_the_entries_it_was_built_from(repository):
    """Read back without validating again, entries equal the validated ones, types included (tuples, models)."""
    knowledge = read()
    assert repository.scam_types() == knowledge[ScamType]
    assert list(repository.message_signs()) == knowledge[GenericSign]
    assert repository.hotlines() == knowledge[Hotline] and repository.metrics() == knowledge[Metric]
    assert sorted(repository.figures(), key=lambda f: f.id) == sorted(knowledge[Statistic], key=lambda f: f.id)
    assert [repository.guidance(g.topic) for g in knowledge[Guidance]] == knowledge[Guidance]
    assert all(isinstance(sign, MessageSign) for t in repository.scam_types() for sign in t.message_signs)
