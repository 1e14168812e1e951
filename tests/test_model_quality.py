"""Rasa's own checks on the trained model: conversation tests and the held-out NLU sets.

Both run as `rasa test` in fresh interpreters started when the tests are collected
(tests/support/background.py), on the other core while the rest of the session runs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scripts.evaluate import specific_questions
from tests.support.background import rasa_cli
from tests.support.servers import MODEL, ROOT
from tests.test_training_data import CORE_INTENTS

pytestmark = pytest.mark.e2e

RESULTS = ROOT / "results"
HELDOUT_REPORTS = RESULTS / "nlu"
# Regression guards a little under what the model measured on these sets (README, "Evaluate
# and benchmark", 2026-12-02, model 7: macro-F1 0.938, the weakest core intent 0.934
# (suspected_scam_call); of the specific questions whose topic was read right, the right key
# 0.856; given their own answer (topic, key and the action's confidence gate) 0.762). Trials on
# slightly different data measured macro-F1 0.923-0.944, the weakest core intent 0.916-0.952 and
# answered 0.715-0.789: the guards leave room for most of that spread. The goal
# (macro-F1 >= 0.95, every core intent >= 0.93) is half reached (macro-F1 is not).
MIN_MACRO_F1 = 0.90
MIN_CORE_F1 = 0.90
MIN_QUESTION_ACCURACY = 0.83
MIN_QUESTIONS_ANSWERED = 0.75
# Quiet enough that Rasa's output fits the pipe until the test reads it.
QUIET = {"LOG_LEVEL": "WARNING", "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"}


CONVERSATION_TESTS = rasa_cli(
    "test",
    "core",
    "--model",
    str(MODEL),
    "--stories",
    "tests/stories",
    "--out",
    str(RESULTS / "core"),
    "--fail-on-prediction-errors",
)
HELDOUT_EVALUATION = rasa_cli(
    "test",
    "nlu",
    "--model",
    str(MODEL),
    "--nlu",
    str(ROOT / "tests" / "nlu"),
    "--out",
    str(HELDOUT_REPORTS),
    "--successes",
)


@pytest.mark.background(CONVERSATION_TESTS, QUIET)
def test_conversation_stories_pass(background):
    assert background.returncode == 0, background.stdout[-4000:] + background.stderr[-4000:]


@pytest.fixture
def heldout_reports(background: subprocess.CompletedProcess) -> Path:
    assert background.returncode == 0, background.stdout[-3000:] + background.stderr[-3000:]
    return HELDOUT_REPORTS


@pytest.mark.background(HELDOUT_EVALUATION, QUIET)
def test_heldout_intents(heldout_reports):
    report = json.loads((heldout_reports / "intent_report.json").read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    core = {intent: report[intent]["f1-score"] for intent in CORE_INTENTS}
    print(f"held-out intent macro-F1 {macro_f1:.3f}; core {core}")
    weak = {k: round(v["f1-score"], 3) for k, v in report.items() if isinstance(v, dict) and v.get("f1-score", 1) < 0.9}
    assert macro_f1 >= MIN_MACRO_F1, weak
    assert min(core.values()) >= MIN_CORE_F1, core


@pytest.mark.background(HELDOUT_EVALUATION, QUIET)
def test_heldout_specific_questions(heldout_reports):
    """The selector's key, where the classifier read the question's topic right (elsewhere it is not asked)."""
    read = [q for q in specific_questions(heldout_reports) if q.topic_read]
    accuracy = sum(q.key_picked for q in read) / len(read)
    print(f"held-out question keys where the topic was read right: accuracy {accuracy:.3f} of {len(read)}")
    assert accuracy >= MIN_QUESTION_ACCURACY


@pytest.mark.background(HELDOUT_EVALUATION, QUIET)
def test_heldout_specific_questions_get_their_own_answer(heldout_reports):
    """What the person sees: the topic read right, the right key, confident enough for the action to answer it."""
    questions = specific_questions(heldout_reports)
    answered = sum(q.answered for q in questions)
    print(f"held-out specific questions given their own answer: {answered}/{len(questions)}")
    assert len(questions) >= 200
    assert answered / len(questions) >= MIN_QUESTIONS_ANSWERED
