"""Rasa's own checks on the trained model: data validation, conversation tests, held-out NLU."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.servers import MODEL, ROOT

RASA = str(Path(sys.executable).parent / "rasa")
RESULTS = ROOT / "results"
TRAINING_DATA = ["data/nlu", "data/rules", "data/stories"]
MIN_MACRO_F1 = 0.90


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, capture_output=True, text=True, timeout=1200)


def form_questions() -> set[str]:
    """utter_ask_<slot> of every form slot: Rasa 3.6's validator wrongly calls them unused."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {
        f"utter_ask_{slot}" for form in domain["forms"].values() for slot in form["required_slots"]
    }


def test_training_data_is_valid():
    result = rasa("data", "validate", "--data", *TRAINING_DATA)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr
    warnings = re.findall(r"UserWarning: (.*)", output)
    false_positives = {f"The utterance '{name}' is not used in any story or rule." for name in form_questions()}
    assert [w for w in warnings if w.strip() not in false_positives] == []


def test_conversation_stories_pass():
    result = rasa(
        "test", "core", "--model", str(MODEL), "--stories", "tests/stories",
        "--out", str(RESULTS / "core"), "--fail-on-prediction-errors",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_heldout_intent_macro_f1():
    out = RESULTS / "nlu"
    result = rasa("test", "nlu", "--model", str(MODEL), "--nlu", "tests/nlu/heldout.yml", "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "intent_report.json").read_text())
    macro_f1 = report["macro avg"]["f1-score"]
    print(f"held-out intent macro-F1: {macro_f1:.3f}")
    assert macro_f1 >= MIN_MACRO_F1, {k: v for k, v in report.items() if isinstance(v, dict) and v.get("f1-score", 1) < 0.9}
