"""The question layer: specific answers in data/knowledge/questions.yml and their NLU keys.

Checks that every retrieval key has an answer and enough training examples, that
answers rest on referenced law facts and figures instead of unsourced claims,
that they never promise money back or ask for secrets, and that the store serves
them with their citations.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker

from actions.questions import asked_question
from bot.knowledge.loader import KnowledgeDataError, read
from bot.knowledge.models import QuestionAnswer
from bot.text.textnorm import to_simplified

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "data" / "knowledge"
NLU = ROOT / "data" / "nlu"
HELDOUT = [ROOT / "tests" / "nlu" / "heldout.yml", ROOT / "tests" / "nlu" / "heldout_questions.yml"]
TOPICS = ("lost_money", "suspected_scam_call", "selling_card", "app_verification")

HELPING_CRIME_STATUTE = "《中华人民共和国刑法》第二百八十七条之二"
PENALTY = "三年以下有期徒刑或者拘役，并处或者单处罚金"

# "一定能追回", "保证退回", "百分之百拿回": any certainty about money coming back.
RECOVERY_PROMISE = re.compile(
    r"(一定|肯定|保证|保證|百分之百|100%)[^。！？\n]{0,8}(追回|退回|拿回|要回|找回|返还|退还|退给|回来)"
)
# The bot asking the user for secrets: "把卡号发给我", "告诉我验证码", "你的密码是多少".
ASKS_FOR_SECRETS = [
    re.compile(r"(告诉|发给|发|提供给|报给|输入给|念给)我[^。！？\n]{0,10}(卡号|密码|验证码|身份证号)"),
    re.compile(r"(卡号|密码|验证码|身份证号)[^。！？\n]{0,6}(发给我|告诉我|给我|是多少)"),
]
# Words that state what the law says; an answer may use them only if a referenced law fact does.
STATUTE_TERMS = ("有期徒刑", "拘役", "罚金", "罚款", "拘留", "行政处罚", "征求意见稿", "惩戒期限")


def _load(path: Path, key: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)[key] or []


QUESTIONS = _load(KNOWLEDGE / "questions.yml", "questions")
BY_KEY = {q["key"]: q for q in QUESTIONS}
LAW = {f["id"]: f for f in _load(KNOWLEDGE / "law.yml", "law")}
STATISTICS = {s["id"]: s for s in _load(KNOWLEDGE / "statistics.yml", "statistics")}


def _examples(path: Path) -> dict[str, list[str]]:
    """Examples per intent in a Rasa NLU YAML file."""
    out: dict[str, list[str]] = {}
    for block in _load(path, "nlu"):
        if "intent" in block:
            lines = [line.strip()[2:].strip() for line in block["examples"].splitlines()]
            out.setdefault(block["intent"], []).extend(line for line in lines if line)
    return out


QUESTION_NLU = {topic: _examples(NLU / f"questions_{topic}.yml") for topic in TOPICS}
ALL_KEYS_IN_NLU = {key for examples in QUESTION_NLU.values() for key in examples}


def _norm(text: str) -> str:
    """Compare examples the way the pipeline sees them: simplified, lower case, no punctuation."""
    return re.sub(r"[\W_]+", "", to_simplified(text).lower())


def _text(q: dict) -> str:
    return "\n".join(q["answer"])


def _referenced_facts(q: dict) -> str:
    """Everything the answer's references say, to check its numbers and legal terms against."""
    law = [LAW[i]["statement"] for i in q.get("law") or []]
    figures = [f"{STATISTICS[i]['value']} {STATISTICS[i]['quote']}" for i in q.get("figures") or []]
    return "\n".join(law + figures)


ids = [q["key"] for q in QUESTIONS]


# ---------------------------------------------------------------- entries


def test_at_least_sixty_specific_entries_covering_every_topic():
    assert len(QUESTIONS) >= 60
    per_topic = Counter(q["topic"] for q in QUESTIONS)
    assert set(per_topic) == set(TOPICS), per_topic
    assert min(per_topic.values()) >= 10, per_topic


# Fields, types, unique keys and references are checked by the loader (bot/knowledge/models.py).
@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_answer_is_two_to_five_lines(q):
    assert 2 <= len(q["answer"]) <= 5


# ---------------------------------------------------------------- what answers may say


@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_answer_never_promises_money_back(q):
    assert not RECOVERY_PROMISE.search(_text(q))
    assert "一定能追回" not in _text(q)


@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_answer_never_asks_for_card_numbers_passwords_or_codes(q):
    for pattern in ASKS_FOR_SECRETS:
        assert not pattern.search(_text(q)), pattern.pattern


@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_numbers_in_answer_are_referenced(q):
    """A number is either a referenced hotline or printed in a referenced law fact or figure."""
    hotlines = {str(n) for n in q.get("hotlines") or []}
    facts = _referenced_facts(q)
    for number in re.findall(r"\d+(?:\.\d+)?", _text(q)):
        assert number in hotlines or number in facts, number


@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_legal_terms_in_answer_come_from_referenced_law(q):
    statements = "\n".join(LAW[i]["statement"] for i in q.get("law") or [])
    for term in STATUTE_TERMS:
        if term in _text(q):
            assert term in statements, term


@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_12381_is_never_something_to_call(q):
    assert not re.search(r"(打|拨打|回拨|致电)12381", _text(q))


def test_penalty_answer_rests_on_the_statute():
    q = BY_KEY["selling_card/penalty"]
    assert "helping-crime-statute" in q["law"]
    fact = LAW["helping-crime-statute"]
    assert fact["statute"] == HELPING_CRIME_STATUTE
    assert PENALTY in fact["statement"]
    assert PENALTY in q["answer"][0], "the first line answers 判几年"


def test_joint_punishment_is_called_a_draft():
    q = BY_KEY["selling_card/joint_punishment"]
    assert "征求意见稿" in q["answer"][0]
    assert "joint-punishment-draft" in q["law"]
    assert "征求意见稿" in LAW["joint-punishment-draft"]["statement"]


@pytest.mark.parametrize("key", ["lost_money/recovery_chance", "lost_money/stop_payment_what"])
def test_recovery_answers_say_speed_matters_and_send_to_110(key):
    text = _text(BY_KEY[key])
    assert re.search("越早|越快", text)
    assert "110" in text


# ---------------------------------------------------------------- NLU examples


def test_nlu_files_hold_only_their_topic():
    for topic, examples in QUESTION_NLU.items():
        assert all(key.startswith(topic + "/") for key in examples), topic


@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_every_entry_has_at_least_eight_examples(q):
    examples = QUESTION_NLU[q["topic"]].get(q["key"], [])
    assert len(examples) >= 8, len(examples)
    assert len({_norm(e) for e in examples}) == len(examples), "examples repeat"


def test_every_specific_key_in_nlu_has_an_entry():
    specific = {k for k in ALL_KEYS_IN_NLU if not k.endswith("/general")}
    assert specific - set(BY_KEY) == set()


def test_examples_are_not_shared_with_other_keys_or_the_held_out_sets():
    all_lines = [e for examples in QUESTION_NLU.values() for lines in examples.values() for e in lines]
    mine = {_norm(e) for e in all_lines}
    assert len(mine) == len(all_lines), "an example is used for two keys"
    others = [p for p in NLU.glob("*.yml") if not p.name.startswith("questions_")] + HELDOUT
    for path in others:
        for intent, lines in _examples(path).items():
            shared = [e for e in lines if _norm(e) in mine]
            assert not shared, f"{path.name} {intent}: {shared}"


# ---------------------------------------------------------------- loader


def _knowledge_copy(tmp_path: Path, edit) -> Path:
    directory = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, directory)
    entries = _load(directory / "questions.yml", "questions")
    edit(entries)
    (directory / "questions.yml").write_text(
        yaml.safe_dump({"questions": entries}, allow_unicode=True), encoding="utf-8"
    )
    return directory


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("law", ["no-such-law"], r"law \['no-such-law'\] not found in law.yml"),
        ("figures", ["no-such-figure"], r"figures \['no-such-figure'\] not found in statistics.yml"),
        ("hotlines", ["1234567"], r"hotlines \['1234567'\] not found in hotlines.yml"),
    ],
)
def test_loader_refuses_a_missing_reference(tmp_path, field, value, message):
    directory = _knowledge_copy(tmp_path, lambda entries: entries[0].update({field: value}))
    with pytest.raises(KnowledgeDataError, match=message):
        read(directory)


def test_loader_refuses_a_general_key(tmp_path):
    directory = _knowledge_copy(tmp_path, lambda entries: entries[0].update({"key": "lost_money/general"}))
    with pytest.raises(KnowledgeDataError, match="general"):
        read(directory)


def test_training_importer_gives_every_question_key_a_stand_in_response():
    """Rasa wants a response per retrieval key; the key stands in, the answer is the action's."""
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.rasa_server.nlu import importer  # Rasa's importer classes: only this test needs them

    nlu = TrainingData(
        [
            Message.build("被骗了要带什么材料", intent="lost_money/evidence_materials"),
            Message.build("我被骗了", intent="lost_money"),
        ]
    )
    assert importer.retrieval_responses(nlu) == {
        "utter_lost_money/evidence_materials": [{"text": "lost_money/evidence_materials"}]
    }


# ---------------------------------------------------------------- repository


def test_repository_lists_every_question_in_file_order(repository):
    assert [q.key for q in repository.questions()] == ids
    assert [q.key for q in repository.questions("selling_card")] == [
        q["key"] for q in QUESTIONS if q["topic"] == "selling_card"
    ]


def test_repository_has_no_answer_for_general_or_unknown_keys(repository):
    assert repository.question("lost_money/general") is None
    assert repository.question("lost_money/no_such_question") is None


@pytest.mark.parametrize("q", QUESTIONS, ids=ids)
def test_repository_answers_with_citations(repository, q):
    qa = repository.question(q["key"])
    assert isinstance(qa, QuestionAnswer)
    assert qa.topic == q["topic"] and qa.answer == tuple(q["answer"])
    assert [f.statement for f in qa.law] == [LAW[i]["statement"] for i in q.get("law") or []]
    assert all(f.citation or f.statute for f in qa.law)
    assert [f.quote for f in qa.figures] == [STATISTICS[i]["quote"] for i in q.get("figures") or []]
    assert all(f.citation.outlet and f.citation.date for f in qa.figures)
    assert [h.number for h in qa.hotlines] == [str(n) for n in q.get("hotlines") or []]


def test_penalty_comes_back_with_its_statute(repository):
    qa = repository.question("selling_card/penalty")
    statute = next(f for f in qa.law if f.statute == HELPING_CRIME_STATUTE)
    assert PENALTY in statute.statement
    assert all(f.citation.outlet == "新华社" for f in qa.figures)


def _selected(*ranking: tuple[str, float]) -> Tracker:
    message = {
        "text": "…",
        "response_selector": {
            "default": {"ranking": [{"intent_response_key": k, "confidence": c} for k, c in ranking]}
        },
    }
    return Tracker("rest:q", {}, message, [], False, None, {}, "action_listen")


@pytest.mark.parametrize(
    "ranking, expected",
    [
        ((("lost_money/recovery_chance", 0.41), ("lost_money/where_to_report", 0.03)), "lost_money/recovery_chance"),
        ((("lost_money/recovery_chance", 0.2), ("lost_money/general", 0.15)), None),  # guessing
        ((("lost_money/general", 0.6), ("lost_money/recovery_chance", 0.35)), None),  # a story, not a question
        ((("selling_card/penalty", 0.9), ("lost_money/evidence_materials", 0.31)), "lost_money/evidence_materials"),
        ((("selling_card/penalty", 0.9),), None),  # another topic's question only
    ],
)
def test_the_question_asked_is_this_topics_confident_specific_key(ranking, expected):
    assert asked_question(_selected(*ranking), "lost_money") == expected
