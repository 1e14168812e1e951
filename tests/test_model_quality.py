"""Rasa's own checks on the trained model: data validation, conversation tests, held-out NLU."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from actions.questions import GENERAL, MIN_CONFIDENCE
from bot.text.textnorm import to_simplified
from tests.support.servers import MODEL, ROOT

pytestmark = pytest.mark.e2e

RASA = str(Path(sys.executable).parent / "rasa")
RESULTS = ROOT / "results"
TRAINING_DATA = ["data/nlu", "data/rules", "data/stories"]
HELDOUT = ROOT / "tests" / "nlu"
CORE_INTENTS = ("suspected_scam_call", "lost_money", "selling_card", "app_verification")
# Regression guards a little under what the model measured on these sets (README, "Evaluate
# and benchmark", 2026-12-02, model 4: macro-F1 0.923, the weakest core intent 0.923
# (suspected_scam_call), question keys 0.855, specific questions given their own answer through
# the action's confidence gate 0.789). Trials of the same config on slightly different data
# measured macro-F1 0.923-0.938 and the weakest core intent 0.923-0.952: the guards leave room
# for that spread. The goal (macro-F1 >= 0.95, every core intent >= 0.93) is not reached.
MIN_MACRO_F1 = 0.90
MIN_CORE_F1 = 0.90
MIN_QUESTION_ACCURACY = 0.83
MIN_QUESTIONS_ANSWERED = 0.75
# Character similarity (after the pipeline's normaliser) above which two examples are near-copies.
MAX_SIMILARITY = 0.8


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, capture_output=True, text=True, timeout=1800)


def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def known_false_positives() -> set[str]:
    """Rasa 3.6 validator warnings that are wrong for this project, derived from the domain.

    - utter_ask_<slot> of form slots: the form asks them, the validator calls them unused.
    - utter_<topic> of retrieval intents: Rasa creates them; our actions answer instead.
    - the retrieval intents "duplicated": Rasa merges them into the domain a second time itself.
    - responses a custom action utters by name (an "utter_…" string in actions/).
    """
    d = domain()
    forms = {f"utter_ask_{slot}" for form in d["forms"].values() for slot in form["required_slots"]}
    by_actions = {
        name for path in (ROOT / "actions").glob("*.py") for name in re.findall(r'"(utter_\w+)"', path.read_text())
    }
    unused = {
        f"The utterance '{name}' is not used in any story or rule."
        for name in forms | by_actions | {f"utter_{topic}" for topic in CORE_INTENTS}
    }
    duplicated = "The following duplicated intents have been found across multiple domain files: " + ", ".join(
        sorted(CORE_INTENTS)
    )
    return unused | {duplicated}


def test_training_data_is_valid():
    result = rasa("data", "validate", "--data", *TRAINING_DATA)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    warnings = re.findall(r"UserWarning: (.*)", result.stdout + result.stderr)
    assert [w for w in warnings if w.strip() not in known_false_positives()] == []


def test_conversation_stories_pass():
    result = rasa(
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
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def _texts(path: Path) -> list[str]:
    return [to_simplified(m.get("text")) for m in load_data(str(path)).intent_examples]


def _near_copies(heldout: list[str], training: list[str]) -> list[tuple[str, str, float]]:
    found = []
    for h in heldout:
        for t in training:
            shorter, longer = sorted((len(h), len(t)))
            if 2 * shorter / (shorter + longer) < MAX_SIMILARITY:
                continue  # the ratio cannot reach the bound
            matcher = SequenceMatcher(None, h, t, autojunk=False)
            if matcher.real_quick_ratio() >= MAX_SIMILARITY and matcher.quick_ratio() >= MAX_SIMILARITY:
                ratio = matcher.ratio()
                if ratio >= MAX_SIMILARITY:
                    found.append((h, t, round(ratio, 2)))
    return found


def test_heldout_sets_are_not_near_copies_of_training_data():
    training = [t for f in sorted((ROOT / "data" / "nlu").glob("*.yml")) for t in _texts(f)]
    heldout = [t for f in sorted(HELDOUT.glob("*.yml")) for t in _texts(f)]
    assert len(heldout) >= 300
    assert _near_copies(heldout, training) == []


def test_the_distance_check_catches_a_near_copy():
    assert _near_copies(["我妈被骗了三万块怎么办"], ["我妈被骗了两万块怎么办", "今天天气不错"])


@pytest.fixture(scope="module")
def heldout_reports() -> Path:
    out = RESULTS / "nlu"
    result = rasa("test", "nlu", "--model", str(MODEL), "--nlu", str(HELDOUT), "--out", str(out), "--successes")
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_heldout_intents(heldout_reports):
    report = json.loads((heldout_reports / "intent_report.json").read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    core = {intent: report[intent]["f1-score"] for intent in CORE_INTENTS}
    print(f"held-out intent macro-F1 {macro_f1:.3f}; core {core}")
    weak = {k: round(v["f1-score"], 3) for k, v in report.items() if isinstance(v, dict) and v.get("f1-score", 1) < 0.9}
    assert macro_f1 >= MIN_MACRO_F1, weak
    assert min(core.values()) >= MIN_CORE_F1, core


def test_heldout_specific_questions(heldout_reports):
    report = json.loads((heldout_reports / "response_selection_report.json").read_text())
    print(f"held-out question keys: accuracy {report['accuracy']:.3f}")
    assert report["accuracy"] >= MIN_QUESTION_ACCURACY


def test_heldout_specific_questions_get_their_own_answer(heldout_reports):
    """What the person sees: the right key, confident enough for the action to answer it (actions/questions.py)."""
    rows = [
        row
        for name in ("response_selection_successes.json", "response_selection_errors.json")
        for row in json.loads((heldout_reports / name).read_text())
        if not row["intent_response_key_target"].endswith(f"/{GENERAL}")
    ]
    answered = [
        row["intent_response_key_prediction"]["name"] == row["intent_response_key_target"]
        and row["intent_response_key_prediction"]["confidence"] >= MIN_CONFIDENCE
        for row in rows
    ]
    print(f"held-out specific questions given their own answer: {sum(answered)}/{len(rows)}")
    assert len(rows) >= 200
    assert sum(answered) / len(rows) >= MIN_QUESTIONS_ANSWERED
