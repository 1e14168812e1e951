"""Checks of the training data that need no trained model: Rasa's validator, and the held-out
sets' distance from the training examples (they run beside the training in `make test`)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.text.textnorm import to_simplified
from tests.support.background import rasa_cli
from tests.support.servers import ROOT

TRAINING_DATA = ["data/nlu", "data/rules", "data/stories"]
HELDOUT = ROOT / "tests" / "nlu"
DEV = ROOT / "tests" / "nlu_dev"  # written like the held-out sets; its errors guide the training data
CORE_INTENTS = ("suspected_scam_call", "lost_money", "selling_card", "app_verification")
# Character similarity (after the pipeline's normaliser) above which two examples are near-copies.
MAX_SIMILARITY = 0.8


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


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.background(rasa_cli("data", "validate", "--data", *TRAINING_DATA))
def test_training_data_is_valid(background):
    assert background.returncode == 0, background.stdout[-3000:] + background.stderr[-3000:]
    warnings = re.findall(r"UserWarning: (.*)", background.stdout + background.stderr)
    assert [w for w in warnings if w.strip() not in known_false_positives()] == []


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


@pytest.mark.slow
def test_heldout_and_dev_sets_are_not_near_copies_of_training_data():
    training = [t for f in sorted((ROOT / "data" / "nlu").glob("*.yml")) for t in _texts(f)]
    heldout = [t for f in sorted(HELDOUT.glob("*.yml")) for t in _texts(f)]
    dev = [t for f in sorted(DEV.glob("*.yml")) for t in _texts(f)]
    assert len(heldout) >= 300 and len(dev) >= 300
    assert _near_copies(heldout + dev, training) == []


def test_the_distance_check_catches_a_near_copy():
    assert _near_copies(["我妈被骗了三万块怎么办"], ["我妈被骗了两万块怎么办", "今天天气不错"])
